"""The shipped base model's recipe, end to end: battles, datasets, training, strength.

1. Heuristic battles: a round robin of the shipped bots (gym-leader, simple-heuristic,
   grunt, max-power, random) on the shipped gen1ou pool; random's games widen the
   states the others are seen in.
2. Behaviour cloning on the heuristics' decisions (random's are left out).
3. Exploration: the BC model plays the heuristics at temperature `--temperature`,
   so the data holds actions the bots never take, with their consequences.
4. Offline actor-critic from the BC model on both datasets (reward `default`).
5. Strength: a gauntlet of `--eval-games` games (side-swapped pairs) against
   simple-heuristic, gym-leader and max-power, with Wilson 95% intervals.
The product is `models/base/gen1ou.pt`, whose metrics hold the recipe (this file's
arguments), the data manifest's sha256, each stage's timing and the strength table.
Every stage prints its wall time. `--scale` multiplies the game counts and steps, so a
small run (`--scale 0.05`) checks the recipe end to end in minutes.

    .venv/bin/python scripts/build_base_model.py [--scale 1.0] [--work runs/base-build]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from models.checkpoint import load, resolve_path
from models.registry import BASE_CHECKPOINT
from training import dataset, evaluation

HEURISTICS = "gym-leader,simple-heuristic,grunt,max-power"
OPPONENTS = ("simple-heuristic", "gym-leader", "max-power")


def arena(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "arena", *args], check=True)


def timed(timings: dict, name: str, action) -> None:
    started = time.perf_counter()
    action()
    timings[name] = round(time.perf_counter() - started, 1)
    print(f"[{name}] {timings[name]:.0f} s", flush=True)


def even(x: float) -> int:
    return max(2, 2 * round(x / 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=Path("runs/base-build"))
    parser.add_argument("--games-per-pair", type=int, default=60)
    parser.add_argument("--explore-games", type=int, default=100)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--size", default="small")
    parser.add_argument("--bc-epochs", type=int, default=3)
    parser.add_argument("--ac-epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=1000)
    parser.add_argument("--eval-games", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=BASE_CHECKPOINT)
    args = parser.parse_args()

    work, db = args.work, f"sqlite:///{args.work / 'arena.db'}"
    work.mkdir(parents=True, exist_ok=True)
    steps = str(max(10, round(args.steps_per_epoch * args.scale)))
    common = ["--size", args.size, "--eval-games", "0", "--steps-per-epoch", steps]
    timings: dict[str, float] = {}

    timed(timings, "heuristic battles", lambda: arena(
        "tournament", "--agents", f"{HEURISTICS},random", "--name", "base-heuristics",
        "--games-per-pair", str(even(args.games_per_pair * args.scale)),
        "--workers", str(args.workers), "--db", db,
    ))  # fmt: skip
    heuristic_data = work / "data-heuristics"
    timed(timings, "dataset (heuristics)", lambda: arena(
        "data", "build", "--out", str(heuristic_data), "--tournament", "base-heuristics",
        "--agents", HEURISTICS, "--workers", str(args.workers), "--db", db,
    ))  # fmt: skip
    bc_run = work / "bc"
    timed(timings, "behaviour cloning", lambda: arena(
        "train", "--data", str(heuristic_data), "--out", str(bc_run), "--algo", "bc",
        "--epochs", str(args.bc_epochs), *common,
    ))  # fmt: skip
    bc_checkpoint = resolve_path(str(bc_run))
    timed(timings, "exploration battles", lambda: arena(
        "tournament", "--models", str(bc_checkpoint), "--agents", HEURISTICS,
        "--mode", "gauntlet", "--candidate", str(bc_checkpoint), "--name", "base-explore",
        "--temperature", str(args.temperature), "--db", db, "--workers", str(args.workers),
        "--games-per-pair", str(even(args.explore_games * args.scale)),
    ))  # fmt: skip
    explore_data = work / "data-explore"
    timed(timings, "dataset (exploration)", lambda: arena(
        "data", "build", "--out", str(explore_data), "--tournament", "base-explore",
        "--workers", str(args.workers), "--db", db,
    ))  # fmt: skip
    ac_run = work / "offline-ac"
    timed(timings, "offline actor-critic", lambda: arena(
        "train", "--data", str(heuristic_data), "--data", str(explore_data),
        "--out", str(ac_run), "--algo", "offline-ac", "--init", str(bc_checkpoint),
        "--epochs", str(args.ac_epochs), "--reward", "default", *common,
    ))  # fmt: skip
    final = resolve_path(str(ac_run))
    strength: dict = {}
    settings = evaluation.EvalSettings(
        opponents=OPPONENTS, games=even(args.eval_games * args.scale), db=db, concurrency=16
    )

    def measure():
        strength.update(evaluation.gauntlet("base", 0, final, list(OPPONENTS), settings))

    timed(timings, "strength", measure)
    checkpoint = load(final)
    checkpoint.metrics = {
        **(checkpoint.metrics or {}),
        "recipe": {"script": "scripts/build_base_model.py", **vars(args)}
        | {"work": str(args.work), "out": str(args.out)},
        "data_manifest_sha256": dataset.manifest_sha256([heuristic_data, explore_data]),
        "strength": strength,
        "timings_s": timings,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    checkpoint.save(args.out)
    print(f"\n{args.out} ({args.out.stat().st_size / 1e6:.1f} MB), built in "
          f"{sum(timings.values()) / 60:.1f} min")  # fmt: skip
    print(f"{'opponent':18} {'games':>5} {'win rate':>9}  95% interval   invalid")
    for opponent, row in strength.items():
        print(
            f"{opponent:18} {row['games']:5d} {100 * row['win_rate']:8.1f}%  "
            f"[{100 * row['low']:.1f}, {100 * row['high']:.1f}]  {row['invalid_rate']:.4f}"
        )
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
