"""What recording every decision costs a tournament: the same run with and without it.

Plays a five-heuristic gen1ou round robin through arena's tournament runner several
times on one server, alternating runs that take each decision's record (action slot,
legal count, ...) with runs where a constant record stands in, and prints arena's own
CPU time per decision for both and their ratio, then battles/s. CPU time of the arena
process is the measure, not wall time: on a shared machine wall time swings by more than
this cost, and the Showdown server's share is the same with or without records.
Usage: python scripts/bench_records.py [--games-per-pair 10] [--rounds 3] [--concurrency 20]
       [--server ws://127.0.0.1:PORT/showdown/websocket]
"""

import argparse
import statistics
import tempfile
import time

import arena.game.player
from arena import aio
from arena.game.choices import Choice
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig
from arena.showdown import server_url
from arena.store.database import Store

AGENTS = ["gym-leader", "grunt", "simple-heuristic", "max-power", "random"]
RECORDING = arena.game.player.choice_of
CONSTANT = Choice(0, None, -1, "", 0, False, False)


def _without_records(battle, order, fallback) -> Choice:
    return CONSTANT


async def cpu_per_decision(store, url, name: str, args) -> tuple[float, float]:
    play = PlaySettings.defaults(format="gen1ou", concurrency=args.concurrency, seed=0)
    config = TournamentConfig(name, tuple(AGENTS), args.games_per_pair, "round-robin", None, play)
    run = tournament_run(config, lambda: store)
    clock = time.process_time()
    await run.play(url)
    spent = time.process_time() - clock
    decisions = sum(b.p1_decisions + b.p2_decisions for b in store.battles([run.tournament_id]))
    return spent / decisions, run.progress.rate


async def main(args) -> None:
    times = {"with records": [], "without": []}
    rates = {"with records": [], "without": []}
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{folder}/bench.db")
        async with server_url(args.server) as url:
            for round_ in range(args.rounds):
                runs = [("without", _without_records), ("with records", RECORDING)]
                for label, recorder in runs[:: 1 if round_ % 2 == 0 else -1]:  # ABBA: no drift
                    arena.game.player.choice_of = recorder
                    cost, rate = await cpu_per_decision(store, url, f"{label}-{round_}", args)
                    times[label].append(cost)
                    rates[label].append(rate)
                    print(
                        f"round {round_}  {label:12s} {cost * 1e6:6.0f} us CPU per decision  "
                        f"{rate:5.2f} battles/s",
                        flush=True,
                    )
    on, off = (statistics.median(times[k]) for k in ("with records", "without"))
    print(f"median: with records {on * 1e6:.0f} us, without {off * 1e6:.0f} us per decision")
    print(f"ratio with/without records = {on / off:.3f}x (CPU per decision)")
    on, off = (statistics.median(rates[k]) for k in ("with records", "without"))
    print(f"median battles/s: with records {on:.2f}, without {off:.2f}, ratio {on / off:.3f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games-per-pair", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--server", help="a running server's websocket URL (default: start one)")
    aio.run(main(parser.parse_args()))
