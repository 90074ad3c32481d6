"""The search agent's strength ladder: rungs against `gym-leader` and against each other.

Each rung (`search:N`) plays `gym-leader`, and each rung plays the next one up, `--games`
games per pairing (side-swapped pairs) on the direct transport, first on the shipped gen1ou
teams and then on a team set the search was not tuned on: teams drawn by Showdown's own
Gen 1 random-battle generator, kept where legal in gen1ou (or `--heldout DIR`). Printed per
team set: each pairing's score with its Wilson 95% interval, Bradley–Terry Elo (gym-leader at
1000) with 95% profile-likelihood intervals, and each rung's CPU milliseconds per
searched decision (search worker plus the player's own work: median, mean, 90th percentile).
A decision with one legal option is not searched and not counted.

`--pairings peer` plays only the rungs against `gym-leader` (`peer,next`, the default,
adds each rung against the one below it).

Usage: python scripts/bench_search.py [--rungs 16,64,256,1024] [--games 300]
       [--pairings peer,next] [--concurrency 4] [--sets shipped,heldout] [--heldout DIR]
       [--heldout-teams 36] [--seed 0]
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from arena.game.battle import GameRecord
from arena.game.teams import TeamPool, load_pool
from arena.game.transport import opened
from arena.matchmaking.match import play_match
from arena.models.registry import resolve
from arena.rating.ratings import bradley_terry
from arena.rating.stats import Outcome, wilson
from arena.showdown import validator
from arena.showdown.install import install_dir, node_executable
from arena.showdown.search import shared_pool

FORMAT = "gen1ou"
PEER = "gym-leader"
GENERATOR = """
const {Teams} = require(process.argv[1] + '/dist/sim/teams');
const [count, seed] = [Number(process.argv[2]), Number(process.argv[3])];
const teams = [];
for (let i = 0; teams.length < count * 3 && i < count * 6; i++) {
    const hex = (seed * 1000 + i).toString(16).padStart(16, '0');
    const team = Teams.generate('gen1randombattle', {seed: `gen5,${hex}`});
    teams.push(Teams.export(team.map((set) => ({...set, level: 100}))));
}
console.log(JSON.stringify(teams));
"""


def heldout_pool(directory: Path | None, count: int, seed: int) -> tuple[str, TeamPool]:
    """The held-out team set: a directory's, or `count` generated teams legal in gen1ou
    (random-battle sets at level 100; teams with an Uber or a banned move are skipped)."""
    if directory is not None:
        return str(directory), load_pool(FORMAT, directory)[1]
    made = subprocess.run(
        [node_executable(), "-e", GENERATOR, str(install_dir()), str(count), str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    candidates = json.loads(made.stdout)
    _, checks = validator.check(FORMAT, candidates)
    legal = [text for text, check in zip(candidates, checks, strict=True) if not check.errors]
    folder = Path(tempfile.mkdtemp(prefix="arena-heldout-"))
    for index, text in enumerate(legal[:count]):
        (folder / f"{index:02d}.txt").write_text(text)
    return f"{len(legal[:count])} generated random-battle teams", load_pool(FORMAT, folder)[1]


def outcomes(records: list[GameRecord], unit: str) -> list[Outcome]:
    found = []
    for record in records:
        p1, p2 = (seat.agent for seat in record.seats)
        score = 0.5 if record.winner is None else (1.0 if record.winner == 0 else 0.0)
        found.append(Outcome(p1, p2, score, (unit, record.pair)))
    return found


def pairings(rungs: list[str], kinds: list[str]) -> list[tuple[str, str]]:
    """Each rung against the peer (`peer`), then each rung against the one below (`next`)."""
    against_peer = [(rung, PEER) for rung in rungs] if "peer" in kinds else []
    return against_peer + (list(zip(rungs[1:], rungs, strict=False)) if "next" in kinds else [])


async def play_set(label: str, pool: TeamPool, rungs: list[str], args) -> None:
    searches = await shared_pool()
    for costs in searches.costs.values():
        costs.clear()
    print(f"\n== {label}: {args.games} games per pairing ==", flush=True)
    every: list[Outcome] = []
    async with opened("direct") as transport:
        for a, b in pairings(rungs, args.pairings.split(",")):
            clock = time.perf_counter()
            result = await play_match(
                resolve(a),
                resolve(b),
                transport=transport,
                battle_format=FORMAT,
                pool=pool,
                games=args.games,
                concurrency=args.concurrency,
                seed=args.seed,
            )
            found = outcomes(result.games, f"{a}-{b}")
            every += found
            points = sum(o.score if o.a == a else 1 - o.score for o in found)
            low, high = wilson(points, len(found))
            faults = sum(s.log.invalid + s.log.failures for g in result.games for s in g.seats)
            print(
                f"{a:>12} vs {b:<12} {points:6.1f}/{len(found):<4} {points / len(found):6.1%} "
                f"[{low:.1%}, {high:.1%}]  faults {faults}  "
                f"({time.perf_counter() - clock:.0f}s)",
                flush=True,
            )
    ratings = bradley_terry(every, anchor=PEER)
    print("Bradley-Terry Elo (gym-leader = 1000), 95% profile-likelihood interval:")
    for name, rating in sorted(ratings.items(), key=lambda item: -item[1].elo):
        print(f"  {name:>12} {rating.elo:7.0f}  [{rating.low:.0f}, {rating.high:.0f}]")
    print("CPU ms per searched decision (worker + player):")
    for rung in rungs:
        costs = sorted(searches.costs[resolve(rung).player_class.iterations])
        if costs:
            p90 = costs[int(0.9 * (len(costs) - 1))]
            print(
                f"  {rung:>12} median {statistics.median(costs):7.1f}  mean "
                f"{statistics.fmean(costs):7.1f}  p90 {p90:7.1f}  ({len(costs)} decisions)"
            )


async def main(args) -> None:
    rungs = [f"search:{n}" for n in args.rungs.split(",")]
    sets = args.sets.split(",")
    if "shipped" in sets:
        await play_set(f"shipped {FORMAT} teams", load_pool(FORMAT, None)[1], rungs, args)
    if "heldout" in sets:
        label, heldout = heldout_pool(args.heldout, args.heldout_teams, args.seed)
        await play_set(f"held-out teams ({label})", heldout, rungs, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rungs", default="16,64,256,1024")
    parser.add_argument("--games", type=int, default=300)
    parser.add_argument("--pairings", default="peer,next")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sets", default="shipped,heldout")
    parser.add_argument("--heldout", type=Path, default=None)
    parser.add_argument("--heldout-teams", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    asyncio.run(main(parser.parse_args()))
