"""The shipped base model's recipe, end to end: battles, datasets, training, selection,
strength.

1. Heuristic battles: a round robin of the shipped bots (gym-leader, simple-heuristic,
   grunt, max-power, random) on the shipped gen1ou pool (team seed 0); the weaker bots'
   games put the strong ones in states they would not reach against each other.
2. Behaviour cloning on the strong bots' decisions only (`--clone`, default gym-leader
   and simple-heuristic): cloning every bot's decisions averages the weak ones' choices
   (max-power, grunt) into the policy.
3. Exploration: the BC model plays the heuristics at temperature `--temperature` (team
   seed 1), so the data holds actions the bots never take, with their consequences.
4. Offline actor-critic from the BC model on both datasets (reward `default`), at a
   lower learning rate than BC (`--ac-lr`) so a noisy critic moves the actor little.
5. Selection: each stage's final checkpoint (BC, offline actor-critic) plays a
   `--select-games` gauntlet per opponent (team seed `SELECT_SEED`); the one with the
   highest mean win rate is the product, so no stage is picked by hand and an actor-
   critic stage that hurts is left out.
6. Strength: the product plays `--eval-games` games (side-swapped pairs) against
   simple-heuristic, gym-leader and max-power on other games (team seed
   `STRENGTH_SEED`), with Wilson 95% intervals; selection games never count here.
The product is `models/base/gen1ou.pt`, whose metrics hold the recipe (this file's
arguments), the data manifest's sha256, the selection and strength tables and each
stage's timing; its paths are relative to the work directory, so nothing names the
machine it was built on. Every stage prints its wall time. `--scale` multiplies the game
counts and steps, so a small run (`--scale 0.05`) checks the recipe end to end in
minutes.

    .venv/bin/python scripts/build_base_model.py [--scale 1.0] [--work runs/base-build]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from arena.models.neural.checkpoint import load, resolve_path
from arena.models.shipped import BASE_CHECKPOINT
from arena.training.data import dataset

HEURISTICS = "gym-leader,simple-heuristic,grunt,max-power"
STRONG = "gym-leader,simple-heuristic"
OPPONENTS = ("simple-heuristic", "gym-leader", "max-power")
EXPLORE_SEED, SELECT_SEED, STRENGTH_SEED = 1, 2, 3  # the heuristic battles use seed 0


def arena(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "arena", *args], check=True)


def timed(timings: dict, name: str, action) -> None:
    started = time.perf_counter()
    action()
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
    parser.add_argument("--explore-games", type=int, default=100)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--bc-epochs", type=int, default=5)
    parser.add_argument("--ac-epochs", type=int, default=3)
    parser.add_argument("--ac-lr", type=float, default=1e-4)
    parser.add_argument("--steps-per-epoch", type=int, default=1000)
    parser.add_argument("--select-games", type=int, default=100)
    parser.add_argument("--eval-games", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
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
        "--agents", args.clone, "--workers", str(args.workers), "--db", db,
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
        "--seed", str(EXPLORE_SEED),
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
        "--epochs", str(args.ac_epochs), "--reward", "default", "--lr", str(args.ac_lr),
        *common,
    ))  # fmt: skip

    def gauntlet(stage: str, candidate: Path, games: float, seed: int) -> dict:
        settings = gauntlet.EvalSettings(
            opponents=OPPONENTS, games=even(games * args.scale), db=db, concurrency=16, seed=seed
        )
        return gauntlet.gauntlet(stage, 0, candidate, list(OPPONENTS), settings)

    candidates = {"bc": bc_checkpoint, "offline-ac": resolve_path(str(ac_run))}
    selection: dict[str, dict] = {}

    def select():
        for stage, candidate in candidates.items():
            name = f"base-select-{stage}"
            selection[stage] = gauntlet(name, candidate, args.select_games, SELECT_SEED)

    timed(timings, "selection", select)
    chosen = max(selection, key=lambda stage: gauntlet.score(selection[stage]))
    final = candidates[chosen]
    strength: dict = {}
    timed(timings, "strength", lambda: strength.update(
        gauntlet("base", final, args.eval_games, STRENGTH_SEED)
    ))  # fmt: skip

    checkpoint = load(final)
    if checkpoint.parent:
        parent = portable(Path(checkpoint.parent["path"]), work)
        checkpoint.parent = {**checkpoint.parent, "path": parent}
    checkpoint.metrics = {
        **(checkpoint.metrics or {}),
        "recipe": {"script": "scripts/build_base_model.py", **vars(args)}
        | {"work": portable(args.work, Path.cwd()), "out": portable(args.out, Path.cwd())},
        "data_manifest_sha256": dataset.manifest_sha256([heuristic_data, explore_data]),
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
