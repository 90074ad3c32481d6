"""A lineage from the base model by expert iteration, and its `arena lineage` table.

Runs `arena loop` from `--init` (the shipped base model) for `--generations` generations
with a teacher labelling every self-play decision (`--teacher`; default the search
agent's middle rung when this arena has the search agent, else gym-leader), the policy
trained by behaviour cloning towards the teacher's distributions and its value towards the
outcomes (`--algo bc --teacher-weight 1 --reward binary`), and every generation judged by
the unchanged promotion gate (SPRT against its parent). The gate's gauntlet holds
simple-heuristic, gym-leader and max-power, and the search agent's rungs when there are
any, so the table gives each generation's verdict, LLR, Elo against its parent with its
interval, and win rates against each. A rerun with the same `--name` resumes the lineage
(only `--generations` may grow). The defaults are the full run (a few hours on 2 cores);
`--tiny` is a minutes-long check that the pipeline runs end to end, proving nothing about
strength.

    .venv/bin/python scripts/run_lineage.py [--generations 3] [--work runs/lineage]
"""

import argparse
import subprocess
import sys
from pathlib import Path

from arena.matchmaking.settings import PlaySettings
from arena.models import registry

HEURISTIC_OPPONENTS = ("simple-heuristic", "gym-leader", "max-power")
TINY = {
    "generations": 1,
    "selfplay_games": 4,
    "epochs": 1,
    "steps_per_epoch": 20,
    "max_pairs": 4,
    "games_per_pair": 2,
}


def arena(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "arena", *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="expert")
    parser.add_argument("--init", default="base")
    parser.add_argument("--teacher", default=registry.SEARCH)  # the default rung
    parser.add_argument("--teacher-weight", type=float, default=1.0)
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--selfplay-games", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps-per-epoch", type=int, default=500)
    parser.add_argument("--max-pairs", type=int, default=200)
    parser.add_argument("--games-per-pair", type=int, default=4)
    parser.add_argument(
        "--opponents", default=",".join((*HEURISTIC_OPPONENTS, *registry.SEARCH_RUNGS))
    )
    parser.add_argument(
        "--concurrency", type=int, default=PlaySettings.defaults("loop").concurrency
    )
    parser.add_argument("--work", type=Path, default=Path("runs/lineage"))
    parser.add_argument("--tiny", action="store_true", help="The pipeline at a tiny size.")
    args = parser.parse_args()
    if args.tiny:
        for key, value in TINY.items():
            setattr(args, key, value)

    args.work.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{args.work / 'arena.db'}"
    arena(
        "loop", "--name", args.name, "--init", args.init, "--runs", str(args.work),
        "--generations", str(args.generations), "--selfplay-games", str(args.selfplay_games),
        "--opponents", args.opponents, "--teacher", args.teacher,
        "--teacher-weight", str(args.teacher_weight), "--algo", "bc", "--reward", "binary",
        "--epochs", str(args.epochs), "--steps-per-epoch", str(args.steps_per_epoch),
        "--max-pairs", str(args.max_pairs), "--games-per-pair", str(args.games_per_pair),
        "--concurrency", str(args.concurrency), "--db", db,
    )  # fmt: skip
    arena("lineage", args.name, "--wide", "--db", db)


if __name__ == "__main__":
    main()
