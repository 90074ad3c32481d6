"""Which parts of the reward does fine-tuning need? The same run, one component off at a time.

From one initial model (default: the shipped base model), `arena train --algo offline-ac`
on the same datasets with the same steps and seed, once per reward: `default`, then
`default` with its status, its HP or its faint terms weighed 0 (`--reward` weights over
the stored components), or any rewards named with `--runs`. Per run and epoch, the
learning-signal metrics and the evaluation win rates with Wilson 95% intervals; then per
run its last verdict, its final win rate against each opponent minus the first run's
with Newcombe's 95% interval ("no significant difference" where the interval holds 0),
its final epoch's score per theme on a position suite (`arena probe`) and its behaviour in
the situations the reward's terms could move, over the games its evaluations stored
(`arena behaviour`).

    .venv/bin/python scripts/reward_ablation.py --data DIR [DIR ...] [--init base]
        [--runs default,status-off,hp-off,faints-off] [--epochs 3] [--steps-per-epoch 1000]
        [--eval-games 100] [--suite FILE] [--work runs/ablation] [--db URL]
"""

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from arena.models.neural.checkpoint import agent_name
from arena.models.registry import resolve
from arena.rating.stats import rate_difference
from arena.report import behaviour, probe
from arena.store.database import Store
from arena.training.data.rewards import BUILTIN

DEFAULT = BUILTIN["default"].weights
OFF = {
    "status-off": ("gave_status", "took_status"),
    "hp-off": ("damage_done", "hp_gain"),
    "faints-off": ("removed", "lost"),
}
INITIAL = "epoch 0"  # each run's initial policy, an opponent from epoch 1 on
SIGNALS = (
    ("critic_ev", "Q EV", "{:+.2f}"),
    ("value_ev", "V EV", "{:+.2f}"),
    ("td_error", "TD", "{:.2f}"),
    ("advantage_std", "A std", "{:.3f}"),
    ("ess", "ESS", "{:.2f}"),
    ("kl_from_init", "KL", "{:.3f}"),
    ("nll", "NLL", "{:.3f}"),
)


def reward_of(run: str) -> str:
    """A run's `--reward`: an ablation of `default` by name, else the name as given."""
    if run not in OFF:
        return run
    weights = {term: 0.0 if term in OFF[run] else w for term, w in DEFAULT.items()}
    return ",".join(f"{term}={w:g}" for term, w in weights.items())


def train(args, run: str) -> Path:
    out = args.work / run
    command = [
        sys.executable, "-m", "arena", "train", "--out", str(out), "--init", args.init,
        "--reward", reward_of(run), "--algo", "offline-ac", "--epochs", str(args.epochs),
        "--steps-per-epoch", str(args.steps_per_epoch), "--seed", str(args.seed),
        "--eval-games", str(args.eval_games), "--eval-opponents", args.eval_opponents,
    ]  # fmt: skip
    if args.db:
        command += ["--db", args.db]
    for directory in args.data:
        command += ["--data", str(directory)]
    if finished(out, args.epochs):
        return out
    if (out / "run.json").exists():
        command = [*command, "--resume"]
    subprocess.run(command, check=True)
    return out


def finished(run: Path, epochs: int) -> bool:
    """Whether the run holds its last epoch's metrics, so runs started apart (one
    `--runs` each, in parallel) are reported together without loading their data again."""
    metrics = run / "metrics.jsonl"
    if not metrics.exists():
        return False
    return any(json.loads(line)["epoch"] == epochs for line in metrics.read_text().splitlines())


def history(run: Path) -> list[dict]:
    """The run's epochs, its initial policy named `epoch 0` among the opponents so the
    runs' columns line up."""
    initial = agent_name(run / "policy_epoch_0.pt")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    for record in records:
        found = record.get("evaluation") or {}
        record["evaluation"] = {INITIAL if o == initial else o: row for o, row in found.items()}
    return records


def probe_scores(checkpoint: Path, args) -> dict[str, str]:
    """Right answers per theme of the suite, for the run's final checkpoint."""
    answers = probe.probe(resolve(str(checkpoint)), args.suite)
    themes = args.suite.themes
    return {f"probe {s.theme}": f"{s.right}/{s.total}" for s in probe.scores(answers, themes)}


# the behaviours a reward's HP, status and faint terms could plausibly move
SITUATIONS = (
    "recovery, clearly losing",
    "recovery, not losing",
    "outsped and in KO range",
    "KO available",
    "Explosion available",
)


def behaviour_rates(checkpoint: Path, args) -> dict[str, str]:
    """How often the final checkpoint did what, in every game its evaluations stored."""
    found = behaviour.profile(Store.open(args.db, readonly=True), agent_name(checkpoint), None)
    columns = {}
    for situation in SITUATIONS:
        row = found.rate(situation)
        columns[f"{situation}: {row.behaviour}"] = (
            f"{row.count}/{row.n} [{100 * row.low:.0f}, {100 * row.high:.0f}]" if row.n else "-"
        )
    return columns


# What each run's final checkpoint is measured by beyond its win rates: one function per
# report, from the checkpoint and the script's options to named columns.
FINAL_REPORTS: tuple[Callable[[Path, argparse.Namespace], dict[str, str]], ...] = (
    probe_scores,
    behaviour_rates,
)


def rate(row: dict | None) -> str:
    if row is None:
        return "-"
    return f"{100 * row['win_rate']:.0f}% [{100 * row['low']:.0f}, {100 * row['high']:.0f}]"


def difference(row: dict | None, first: dict | None) -> str:
    """This run's win rate minus the first run's, with Newcombe's interval."""
    if row is None or first is None:
        return "-"
    delta, low, high = rate_difference(
        row["win_rate"] * row["games"], row["games"], first["win_rate"] * first["games"],
        first["games"],
    )  # fmt: skip
    verdict = "no significant difference" if low <= 0 <= high else "significant"
    return f"{100 * delta:+.0f} [{100 * low:+.0f}, {100 * high:+.0f}] {verdict}"


def cell(record: dict, key: str, form: str) -> str:
    value = record.get(key)
    return "-" if value is None else form.format(value)


def table(header: list[str], rows: list[list[str]]) -> None:
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(" | ".join(row))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--init", default="base")
    parser.add_argument("--runs", default=",".join(["default", *OFF]))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=1000)
    parser.add_argument("--eval-games", type=int, default=100)
    parser.add_argument("--eval-opponents", default="simple-heuristic,gym-leader,max-power")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--suite", type=Path, default=probe.SHIPPED_SUITE)
    parser.add_argument("--work", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--db", help="the store the evaluations write to (arena's default)")
    args = parser.parse_args()
    args.suite = probe.load_suite(args.suite)  # a bad suite stops the script before training

    names = [name.strip() for name in args.runs.split(",") if name.strip()]
    runs = {name: history(train(args, name)) for name in names}
    opponents = sorted({o for h in runs.values() for r in h for o in r.get("evaluation") or {}})
    rows = []
    for epoch in range(args.epochs + 1):
        for name, records in runs.items():
            record = next((r for r in records if r["epoch"] == epoch), None)
            if record is not None:
                rates = [rate(record["evaluation"].get(o)) for o in opponents]
                signals = [cell(record, key, form) for key, _, form in SIGNALS]
                rows.append([str(epoch), name, *signals, *rates])
    table(["epoch", "run", *(label for _, label, _ in SIGNALS), *opponents], rows)

    first = runs[names[0]][-1]["evaluation"]
    finals = []
    for name, records in runs.items():
        final = records[-1]
        columns: dict[str, str] = {}
        for report in FINAL_REPORTS:
            columns |= report(args.work / name / f"policy_epoch_{final['epoch']}.pt", args)
        differences = [difference(final["evaluation"].get(o), first.get(o)) for o in opponents]
        finals.append((name, differences, columns))
    extra = list(finals[0][2])
    header = ["run", *(f"vs {o}: minus {names[0]}" for o in opponents), *extra]
    table(header, [[n, *d, *(c.get(k, "-") for k in extra)] for n, d, c in finals])
    for name, records in runs.items():
        print(f"{name} ({reward_of(name)}): {records[-1]['verdict']}")


if __name__ == "__main__":
    main()
