"""arena's match runner against poke-env's bare `battle_against`, same server, same run.

Both sides play `random` vs `random` with the same concurrency on one local Showdown
server; the runs alternate so drift in the machine hits both. Prints battles/s of each
and arena's overhead. Usage: python scripts/bench_battle.py [--games 400] [--rounds 2]
"""

import argparse
import asyncio
import logging
import time

from poke_env.player import RandomPlayer
from poke_env.ps_client import AccountConfiguration, ServerConfiguration

from arena import aio
from arena.game.player import close, username_for
from arena.game.transport import ServerTransport
from arena.matchmaking.match import play_match
from arena.models.registry import resolve
from arena.showdown import running_server


async def poke_env_rate(url: str, fmt: str, games: int, concurrency: int) -> float:
    http = url.replace("ws", "http", 1).split("/showdown")[0]
    config = ServerConfiguration(url, f"{http}/action.php?")
    players = [
        RandomPlayer(
            account_configuration=AccountConfiguration(username_for("pokeenv"), None),
            server_configuration=config,
            battle_format=fmt,
            max_concurrent_battles=concurrency,
            log_level=logging.CRITICAL,
            loop=asyncio.get_running_loop(),
        )
        for _ in range(2)
    ]
    await asyncio.gather(*(p.ps_client.logged_in.wait() for p in players))
    clock = time.perf_counter()
    await players[0].battle_against(players[1], n_battles=games)
    elapsed = time.perf_counter() - clock
    assert players[0].n_finished_battles == games
    await asyncio.gather(*(close(p) for p in players))
    return games / elapsed


async def arena_rate(url: str, fmt: str, games: int, concurrency: int) -> float:
    agent = resolve("random")
    result = await play_match(
        agent,
        agent,
        transport=ServerTransport(url),
        battle_format=fmt,
        pool=None,
        games=games,
        concurrency=concurrency,
        seed=0,
    )
    assert len(result.games) == games
    return result.battles_per_second


async def main(args) -> None:
    async with running_server() as server:
        url = server.websocket_url
        await arena_rate(url, args.format, 20, args.concurrency)  # warm the server up
        rates = {"arena": [], "poke-env battle_against": []}
        for round_ in range(args.rounds):
            for name, bench in (("arena", arena_rate), ("poke-env battle_against", poke_env_rate)):
                rate = await bench(url, args.format, args.games, args.concurrency)
                rates[name].append(rate)
                print(f"round {round_ + 1}  {name:<24} {rate:7.2f} battles/s", flush=True)
    arena = sum(rates["arena"]) / args.rounds
    peer = sum(rates["poke-env battle_against"]) / args.rounds
    print(f"mean  arena {arena:.2f} battles/s  poke-env {peer:.2f} battles/s")
    print(f"ratio arena/poke-env = {arena / peer:.3f}  (overhead {100 * (1 - arena / peer):+.1f}%)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="gen1randombattle")
    parser.add_argument("--games", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    aio.run(main(parser.parse_args()))
