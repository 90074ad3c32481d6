"""The encoder against poke-env's own parsing, per decision, on recorded gen1ou battles.

Plays fresh gen1ou games on a local server (gym-leader against max-power, grunt against
random) and adds the battle recorded in tests/data; then replays each side's stored log
into a poke-env Battle (`arena.models.neural.log_replay`) and times, for every decision, poke-env
parsing the messages that led to it and `arena.models.neural.features.encode` on the result.
Two passes: the first meets every Pokémon and moveset for the first time (the encoder
fills its tables), the second is the steady state of a long dataset build or tournament.
Goal: encode <= 1.0x parse.
Usage: python scripts/bench_features.py [--games 40]
"""

import argparse
import statistics
import time
from pathlib import Path

from arena import aio
from arena.game.teams import load_pool
from arena.game.transport import ServerTransport
from arena.matchmaking.match import play_match
from arena.models.neural.features import FEATURE_VERSION, encode, species_vocabulary
from arena.models.neural.log_replay import decisions, new_battle, username
from arena.models.registry import resolve
from arena.showdown import running_server

RECORDED = Path(__file__).resolve().parent.parent / "tests" / "data"
PAIRINGS = (("gym-leader", "max-power"), ("grunt", "random"))


async def record(games: int) -> list[tuple[str, list[str]]]:
    """(battle tag, one side's log) for both sides of `games` fresh gen1ou battles."""
    _, pool = load_pool("gen1ou", None)
    logs = []
    async with running_server() as server:
        for seed, (a, b) in enumerate(PAIRINGS):
            result = await play_match(
                resolve(a),
                resolve(b),
                transport=ServerTransport(server.websocket_url),
                battle_format="gen1ou",
                pool=pool,
                games=games // len(PAIRINGS) // 2 * 2,
                concurrency=8,
                seed=seed,
            )
            logs += [(g.battle_tag, s.log.lines) for g in result.games for s in g.seats]
    for path in sorted(RECORDED.glob("gen1ou-*.log")):
        logs.append(("battle-gen1ou-1", path.read_text().splitlines()))
    return logs


def timed_pass(logs) -> tuple[list[int], list[int]]:
    """CPU nanoseconds per decision (the machine's other processes do not count):
    poke-env parsing the messages up to it, and encoding it."""
    parse, encoding = [], []
    for tag, lines in logs:
        states = decisions(new_battle(tag, "gen1ou", username(lines)), lines)
        while True:
            start = time.process_time_ns()
            battle = next(states, None)
            parsed = time.process_time_ns()
            if battle is None:
                break
            encode(battle)
            parse.append(parsed - start)
            encoding.append(time.process_time_ns() - parsed)
    return parse, encoding


def report(label: str, parse: list[int], encoding: list[int]) -> None:
    mean_parse, mean_encode = statistics.fmean(parse) / 1e3, statistics.fmean(encoding) / 1e3
    medians = statistics.median(parse) / 1e3, statistics.median(encoding) / 1e3
    print(
        f"{label:<22} parse {mean_parse:7.1f} us/decision   encode {mean_encode:7.1f} us/decision"
        f"   (medians {medians[0]:.1f} / {medians[1]:.1f})"
        f"   ratio encode/parse = {mean_encode / mean_parse:.2f}x",
        flush=True,
    )


def main(args) -> None:
    logs = aio.run(record(args.games))
    species_vocabulary()  # built once per process, before any battle
    print(f"features version {FEATURE_VERSION}, {len(logs)} sides of gen1ou battles")
    first = timed_pass(logs)
    print(f"decisions: {len(first[0])}")
    report("first pass (cold)", *first)
    report("second pass (warm)", *timed_pass(logs))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=40, help="fresh battles to play")
    main(parser.parse_args())
