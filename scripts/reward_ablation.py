"""Does the reward function decide whether fine-tuning learns? The same run three times.

From one initial model (default: the shipped base model), `arena train --algo offline-ac`
on the same datasets with the same steps and seed, once each with `binary`,
`aggressive` and `default`; then, per epoch, the learning-signal metrics and the
evaluation win rates with 95% intervals side by side, and each run's last verdict.

    .venv/bin/python scripts/reward_ablation.py --data DIR [DIR ...] [--init base]
        [--epochs 3] [--steps-per-epoch 1000] [--eval-games 100] [--work runs/ablation]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from arena.models.neural.checkpoint import agent_name

REWARDS = ("binary", "aggressive", "default")
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


def train(args, reward: str) -> Path:
    out = args.work / reward
    command = [
        sys.executable, "-m", "arena", "train", "--out", str(out), "--init", args.init,
        "--reward", reward, "--algo", "offline-ac", "--epochs", str(args.epochs),
        "--steps-per-epoch", str(args.steps_per_epoch), "--seed", str(args.seed),
        "--eval-games", str(args.eval_games), "--eval-opponents", args.eval_opponents,
    ]  # fmt: skip
    for directory in args.data:
        command += ["--data", str(directory)]
    if (out / "run.json").exists():
        command = [*command, "--resume"]
    subprocess.run(command, check=True)
    return out


def history(run: Path) -> list[dict]:
    """The run's epochs, its initial policy named `epoch 0` among the opponents so the
    three runs' columns line up."""
    initial = agent_name(run / "policy_epoch_0.pt")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    for record in records:
        found = record.get("evaluation") or {}
        record["evaluation"] = {INITIAL if o == initial else o: row for o, row in found.items()}
    return records


def rate(row: dict | None) -> str:
    if row is None:
        return "-"
    return f"{100 * row['win_rate']:.0f}% [{100 * row['low']:.0f}, {100 * row['high']:.0f}]"


def cell(record: dict, key: str, form: str) -> str:
    value = record.get(key)
    return "-" if value is None else form.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--init", default="base")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=1000)
    parser.add_argument("--eval-games", type=int, default=100)
    parser.add_argument("--eval-opponents", default="simple-heuristic,gym-leader,max-power")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("runs/ablation"))
    args = parser.parse_args()

    runs = {reward: history(train(args, reward)) for reward in REWARDS}
    opponents = sorted({o for h in runs.values() for r in h for o in r.get("evaluation") or {}})
    header = ["epoch", "reward", *(label for _, label, _ in SIGNALS), *opponents]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for epoch in range(args.epochs + 1):
        for reward, records in runs.items():
            record = next((r for r in records if r["epoch"] == epoch), None)
            if record is None:
                continue
            rates = [rate(record["evaluation"].get(o)) for o in opponents]
            signals = [cell(record, key, form) for key, _, form in SIGNALS]
            print(" | ".join([str(epoch), reward, *signals, *rates]))
    print()
    for reward, records in runs.items():
        print(f"{reward}: {records[-1]['verdict']}")


if __name__ == "__main__":
    main()
