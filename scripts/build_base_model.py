"""The shipped base model's recipe, end to end: battles, datasets, training, selection,
strength.

1. Heuristic battles: a round robin of the shipped bots (gym-leader, simple-heuristic,
   grunt, max-power, random) on the shipped gen1ou pool (team seed 0); the weaker bots'
   games put the strong ones in states they would not reach against each other.
2. Behaviour cloning on the strong bots' decisions only (`--clone`, default gym-leader
   and simple-heuristic): cloning every bot's decisions averages the weak ones' choices
   (max-power, grunt) into the policy.
3. Expert iteration, `--rounds` times (DAgger): the latest model plays the heuristics at
   temperature `--temperature` (team seed `EXPLORE_SEED` + round), every one of its
   decisions is labelled with the teacher's distribution at that very state (`--teacher`;
   default the search agent's middle rung when this arena has one, else gym-leader), and
   a model is trained from the BC model on every round's labelled data so far: policy by
   cross-entropy to the teacher, value by the outcomes (`--algo bc --teacher-weight 1
   --reward binary`). Cloning alone only sees the states the bots reach; here the teacher
   corrects the model in the states the model itself reaches.
4. Selection: each stage's final checkpoint (BC, every round) plays a `--select-games`
   gauntlet per opponent (team seed `SELECT_SEED`); the one with the highest mean win
   rate is the product, so no stage is picked by hand and a round that hurts is left out.
5. Strength: the product plays `--eval-games` games (side-swapped pairs) against
   simple-heuristic, gym-leader and max-power on other games (team seed
   `STRENGTH_SEED`), with Wilson 95% intervals; selection games never count here.
The product is written to `--out` (default `models/base/gen1ou.pt`; a trial build should
name another file), whose metrics hold the recipe (this file's arguments), the teacher,
the data manifests' sha256, the selection and strength tables and each stage's timing;
its paths are relative to the work directory, so nothing names the machine it was built
on. Every stage prints its wall time. `--scale` multiplies the game counts and steps, so
a small run (`--scale 0.05`) checks the recipe end to end in minutes. A rerun with the
same `--work` reuses every stage already done (tournaments resume by name, datasets add
only new battles, finished training runs are kept).

    .venv/bin/python scripts/build_base_model.py [--scale 1.0] [--work runs/base-build]
"""

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from arena.models import registry
from arena.models.neural.checkpoint import load, resolve_path
from arena.models.shipped import BASE_CHECKPOINT
from arena.store.database import Store
from arena.training.data import dataset
from arena.training.data.teacher import identify
from arena.training.learn import gauntlet

HEURISTICS = "gym-leader,simple-heuristic,grunt,max-power"
STRONG = "gym-leader,simple-heuristic"
OPPONENTS = ("simple-heuristic", "gym-leader", "max-power")
SELECT_SEED, STRENGTH_SEED, EXPLORE_SEED = 2, 3, 10  # heuristic battles: 0; round k: 10 + k


def arena(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "arena", *args], check=True)


def tournament(db: str, name: str, *args: str) -> None:
    """Plays the tournament `name`, or resumes it when an earlier build stored it."""
    if Store.open(db).tournament(name) is not None:
        arena("tournament", "--resume", name, "--db", db)
    else:
        arena("tournament", "--name", name, "--db", db, *args)


def train(run: Path, *args: str) -> Path:
    """The run's final checkpoint, trained now or resumed from an earlier build."""
    if (run / "run.json").is_file():
        arena("train", "--out", str(run), "--resume")
    else:
        arena("train", "--out", str(run), *args)
    return resolve_path(str(run))


@contextmanager
def timed(timings: dict, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - started, 1)
    print(f"[{name}] {timings[name]:.0f} s", flush=True)


def even(x: float) -> int:
    return max(2, 2 * round(x / 2))


def portable(path: Path, root: Path) -> str:
    """`path` relative to `root` when it lies under it, else its name alone."""
    path, root = path.resolve(), root.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else path.name


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}\n{'opponent':18} {'games':>5} {'win rate':>9}  95% interval   invalid")
    for opponent, row in table.items():
        print(
            f"{opponent:18} {row['games']:5d} {100 * row['win_rate']:8.1f}%  "
            f"[{100 * row['low']:.1f}, {100 * row['high']:.1f}]  {row['invalid_rate']:.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=Path("runs/base-build"))
    parser.add_argument("--games-per-pair", type=int, default=300)
    parser.add_argument("--clone", default=STRONG)
    parser.add_argument("--teacher", default=registry.SEARCH)  # the default rung
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--explore-games", type=int, default=100)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--bc-epochs", type=int, default=5)
    parser.add_argument("--expert-epochs", type=int, default=3)
    parser.add_argument("--expert-lr", type=float, default=1e-4)
    parser.add_argument("--steps-per-epoch", type=int, default=1000)
    parser.add_argument("--select-games", type=int, default=100)
    parser.add_argument("--eval-games", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=BASE_CHECKPOINT)
    args = parser.parse_args()

    work, db = args.work, f"sqlite:///{args.work / 'arena.db'}"
    work.mkdir(parents=True, exist_ok=True)
    teacher = identify(args.teacher)
    steps = str(max(10, round(args.steps_per_epoch * args.scale)))
    common = ["--size", args.size, "--eval-games", "0", "--steps-per-epoch", steps]
    workers = ["--workers", str(args.workers)]
    timings: dict[str, float] = {}

    with timed(timings, "heuristic battles"):
        tournament(
            db, "base-heuristics", "--agents", f"{HEURISTICS},random",
            "--games-per-pair", str(even(args.games_per_pair * args.scale)), *workers,
        )  # fmt: skip
    heuristic_data = work / "data-heuristics"
    with timed(timings, "dataset (heuristics)"):
        arena(
            "data", "build", "--out", str(heuristic_data), "--tournament", "base-heuristics",
            "--agents", args.clone, "--db", db, *workers,
        )  # fmt: skip
    with timed(timings, "behaviour cloning"):
        candidates = {"bc": train(
            work / "bc", "--data", str(heuristic_data), "--algo", "bc",
            "--epochs", str(args.bc_epochs), *common,
        )}  # fmt: skip

    taught: list[Path] = []
    for k in range(1, args.rounds + 1):
        player = candidates[f"expert-{k - 1}" if k > 1 else "bc"]
        name, data = f"base-explore-{k}", work / f"data-explore-{k}"
        with timed(timings, f"exploration battles {k}"):
            tournament(
                db, name, "--models", str(player), "--agents", HEURISTICS, "--mode", "gauntlet",
                "--candidate", str(player), "--temperature", str(args.temperature),
                "--games-per-pair", str(even(args.explore_games * args.scale)),
                "--seed", str(EXPLORE_SEED + k), *workers,
            )  # fmt: skip
        with timed(timings, f"dataset (exploration {k}, teacher)"):
            arena(
                "data", "build", "--out", str(data), "--tournament", name,
                "--agents", registry.resolve(str(player)).name, "--teacher", args.teacher,
                "--db", db, *workers,
            )  # fmt: skip
        taught.append(data)
        with timed(timings, f"expert iteration {k}"):
            candidates[f"expert-{k}"] = train(
                work / f"expert-{k}", *(a for d in taught for a in ("--data", str(d))),
                "--init", str(candidates["bc"]), "--algo", "bc", "--teacher-weight", "1",
                "--reward", "binary", "--epochs", str(args.expert_epochs),
                "--lr", str(args.expert_lr), *common,
            )  # fmt: skip

    def play(stage: str, candidate: Path, games: float, seed: int) -> dict:
        settings = gauntlet.EvalSettings(
            opponents=OPPONENTS, games=even(games * args.scale), db=db, seed=seed
        )
        return gauntlet.gauntlet(stage, 0, candidate, list(OPPONENTS), settings)

    with timed(timings, "selection"):
        selection = {
            stage: play(f"base-select-{stage}", candidate, args.select_games, SELECT_SEED)
            for stage, candidate in candidates.items()
        }
    chosen = max(selection, key=lambda stage: gauntlet.score(selection[stage]))
    final = candidates[chosen]
    with timed(timings, "strength"):
        strength = play("base", final, args.eval_games, STRENGTH_SEED)

    checkpoint = load(final)
    if checkpoint.parent:
        parent = portable(Path(checkpoint.parent["path"]), work)
        checkpoint.parent = {**checkpoint.parent, "path": parent}
    checkpoint.metrics = {
        **(checkpoint.metrics or {}),
        "recipe": {"script": "scripts/build_base_model.py", **vars(args)}
        | {"work": portable(args.work, Path.cwd()), "out": portable(args.out, Path.cwd())},
        "teacher": teacher,
        "data_manifest_sha256": dataset.manifest_sha256([heuristic_data, *taught]),
        "data": {
            portable(d, work): dataset.read_manifest(d).as_json()["counts"]
            for d in (heuristic_data, *taught)
        },
        "selection": {
            "seed": SELECT_SEED,
            "chosen": portable(final, work),
            "by_stage": {stage: {"checkpoint": portable(candidates[stage], work), **table}
                         for stage, table in selection.items()},
        },
        "strength_seed": STRENGTH_SEED,
        "strength": strength,
        "timings_s": timings,
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    checkpoint.save(args.out)
    for stage, table in selection.items():
        print_table(f"selection: {stage} (mean {100 * gauntlet.score(table):.1f}%)", table)
    print(f"\n{args.out} ({args.out.stat().st_size / 1e6:.1f} MB) from {chosen}, built in "
          f"{sum(timings.values()) / 60:.1f} min")  # fmt: skip
    print_table("strength", strength)
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
