"""arena's tournament against poke-env's `cross_evaluate`, same agents, same server.

Part 1 (speed): five heuristic agents, gen1ou, round robin, 40 games per pairing.
arena is timed as a user runs it: the `arena tournament` command with its default
transport, from its start to its exit (start-up, team checks and storing every battle
included), with the same number of battles in flight per player on average as poke-env's
`cross_evaluate` (total = per-player x agents / 2), which is timed on the same field and
teams on a local server, one pairing after another, from its first challenge to its last
battle. Both print battles/s, CPU ms per battle of each kind of process, and how busy they
kept the cores this script may use (run it under `taskset -c 0` for one core).
`--workers N` times the command once more with N worker processes, and `--thread-hop`
times arena in this process with the shipped bots deciding in their own threads, as a
user's synchronous bot does, to price the hop they are spared by deciding on the loop.
Part 2 (memory): one long arena tournament; RSS after 1,000 and 3,000 battles, and peak.
With --checkpoint-vs-heuristic, instead: a freshly initialised small checkpoint against
`max-power` next to `gym-leader` against `max-power`, same teams, concurrency and server.
With --selfplay, instead: self-play as the loop plays it, the shipped base model (or
`--checkpoint`) on both sides, next to `gym-leader` against itself, same teams, concurrency
and transport (the CLI's default); battles/s, CPU ms per battle of this process and of
everything under it (the simulator hosts), the inference batches' mean size, and the ratio
by CPU per battle (#25's target: >= 0.6x).
With --ray, instead: the five agents on simulator hosts in one process, in `--workers`
processes, and on a local Ray with 1 and 2 actors, in that order (Ray starts after the
others, so its own services idle through none of them); battles/s and the CPU seconds per
battle of this process and every process under it (Ray's services, actors and hosts).
Usage: python scripts/bench_tournament.py [--games-per-pair 40] [--per-player 8] [--long 3000]
       [--workers 2 4] [--thread-hop]
       taskset -c 0 python scripts/bench_tournament.py --long 0 --workers   (one core)
       python scripts/bench_tournament.py --checkpoint-vs-heuristic [--games-per-pair 40]
       python scripts/bench_tournament.py --selfplay [--games-per-pair 40] [--checkpoint PATH]
       python scripts/bench_tournament.py --ray [--games-per-pair 40] [--workers 2]
"""

import argparse
import asyncio
import dataclasses
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from poke_env.player import cross_evaluate
from poke_env.ps_client import AccountConfiguration, ServerConfiguration
from poke_env.teambuilder import Teambuilder

from arena import aio
from arena.game.player import username_for
from arena.game.teams import TeamPool, load_pool
from arena.game.transport import ServerTransport
from arena.matchmaking.cluster import RayOptions
from arena.matchmaking.match import play_match
from arena.matchmaking.schedule import pairings
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import resolve
from arena.models.shipped import BASE
from arena.showdown import running_server
from arena.store.database import Store

AGENTS = ["gym-leader", "grunt", "simple-heuristic", "max-power", "random"]


class PoolTeams(Teambuilder):
    """Gives poke-env's own players teams from arena's pool, so both sides play the same."""

    def __init__(self, pool: TeamPool, seed: int):
        self.pool, self.rng = pool, random.Random(seed)

    def yield_team(self) -> str:
        return self.rng.choice(self.pool.teams).packed


async def cross_evaluate_rate(url, fmt, pool, games_per_pair, per_player) -> float:
    http = url.replace("ws", "http", 1).split("/showdown")[0]
    players = [
        resolve(name).player_class(
            account_configuration=AccountConfiguration(username_for(name), None),
            server_configuration=ServerConfiguration(url, f"{http}/action.php?"),
            battle_format=fmt,
            max_concurrent_battles=per_player,
            log_level=logging.CRITICAL,
            loop=asyncio.get_running_loop(),
            team=PoolTeams(pool, seed) if pool else None,
        )
        for seed, name in enumerate(AGENTS)
    ]
    await asyncio.gather(*(p.ps_client.logged_in.wait() for p in players))
    clock = time.perf_counter()
    await cross_evaluate(players, n_challenges=games_per_pair)
    elapsed = time.perf_counter() - clock
    await asyncio.gather(*(p.ps_client.stop_listening() for p in players))
    return len(pairings(AGENTS, "round-robin", None)) * games_per_pair / elapsed


def arena_run(
    store,
    name,
    agents,
    fmt,
    games_per_pair,
    concurrency,
    workers=1,
    threads=False,
    transport="server",
):
    play = PlaySettings.defaults(format=fmt, concurrency=concurrency, seed=0, transport=transport)
    config = TournamentConfig(
        name, tuple(agents), games_per_pair, "round-robin", None, play, workers
    )
    # kind "import": decided the way a user's synchronous bot is, in the agent's thread
    specs = {
        a: dataclasses.replace(resolve(a), kind="import") if threads else resolve(a) for a in agents
    }
    return tournament_run(config, lambda: store, specs=specs)


async def arena_rate(url, store, fmt, games_per_pair, concurrency, workers, threads=False) -> float:
    name = f"speed-{workers}{'-threads' if threads else ''}"
    run = arena_run(store, name, AGENTS, fmt, games_per_pair, concurrency, workers, threads)
    await run.play(url if workers == 1 else None)  # several workers: a server each
    return run.progress.rate


def cli_tournament(folder: str, games_per_pair: int, concurrency: int, workers: int = 1):
    """`arena tournament` on the five agents as a user runs it: (battles/s, CPU by process
    kind in seconds, wall seconds)."""
    from bench_transport import TreeCPU  # the script beside this one, which imports this

    command = [
        *(sys.executable, "-m", "arena", "tournament", "--agents", ",".join(AGENTS)),
        *("--games-per-pair", str(games_per_pair), "--concurrency", str(concurrency)),
        *("--workers", str(workers), "--db", f"sqlite:///{folder}/cli-{time.time_ns()}.db"),
    ]
    clock = time.perf_counter()
    with TreeCPU() as cpu:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - clock
    battles = len(pairings(AGENTS, "round-robin", None)) * games_per_pair
    # this process only waits, and reads /proc to measure: not part of what a user runs
    used = {kind: seconds for kind, seconds in cpu.by_label.items() if kind != "python"}
    return battles / wall, used, wall


def cpu_line(label: str, rate: float, cpu: dict[str, float], battles: int, wall: float) -> str:
    """battles/s, CPU ms per battle by process kind, and how busy the usable cores were."""
    cores = len(os.sched_getaffinity(0))
    parts = "  ".join(
        f"{kind} {1000 * seconds / battles:.1f}"
        for kind, seconds in sorted(cpu.items())
        if seconds > 0.005
    )
    busy = sum(cpu.values()) / (wall * cores)
    return (
        f"{label:<24} {rate:6.2f} battles/s  CPU {1000 * sum(cpu.values()) / battles:5.1f} "
        f"ms/battle ({parts} ms), cores busy {100 * busy:3.0f}% of {cores}"
    )


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def memory(url, store, battles: int) -> None:
    agents = ["random", "max-power", "simple-heuristic"]
    run = arena_run(store, "long", agents, "gen1randombattle", battles // 3, 20)
    marks = {}
    record = run._record

    async def watch(slot, game) -> None:
        await record(slot, game)
        if run.progress.done in (100, 1000, 2000, 3000) or run.progress.done == battles:
            marks[run.progress.done] = rss_mib()
            print(
                f"  after {run.progress.done:5d} battles: RSS {marks[run.progress.done]:.0f} MiB",
                flush=True,
            )

    run._record = watch
    await run.play(url)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: peak RSS {peak:.0f} MiB over {run.progress.done} battles")


async def checkpoint_vs_heuristic(url, pool, folder, games, concurrency) -> None:
    """A neural agent's throughput against a heuristic's, both facing `max-power`."""
    path = Path(folder) / "bench" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("small"), seed=0).save(path)
    rates, cpu = {}, {}
    for label, agent in (("gym-leader", "gym-leader"), ("small checkpoint", str(path))):
        spent = time.process_time()  # this process's threads, not the server's
        result = await play_match(
            resolve(agent),
            resolve("max-power"),
            transport=ServerTransport(url),
            battle_format="gen1ou",
            pool=pool,
            games=games,
            concurrency=concurrency,
            seed=0,
        )
        rates[label] = result.battles_per_second
        cpu[label] = (time.process_time() - spent) / games * 1000
        print(
            f"{label:<17} vs max-power {rates[label]:6.2f} battles/s  "
            f"({games} games, concurrency {concurrency}; arena CPU {cpu[label]:.0f} ms/battle)",
            flush=True,
        )
    ratio = rates["small checkpoint"] / rates["gym-leader"]
    cost = cpu["gym-leader"] / cpu["small checkpoint"]
    print(f"ratio checkpoint/gym-leader = {ratio:.2f}x  (by arena CPU per battle: {cost:.2f}x)")


async def selfplay_vs_heuristic(games: int, concurrency: int, checkpoint: str) -> None:
    """A checkpoint against itself next to gym-leader against itself, by CPU per battle."""
    from bench_transport import TreeCPU  # the script beside this one, which imports this

    from arena.game.transport import opened
    from arena.models.neural import batching

    _, pool = load_pool("gen1ou", None)
    results = {}
    async with opened("direct") as transport:
        # a warm-up, so neither timed run pays for the hosts' first games
        await play_match(
            resolve("random"),
            resolve("random"),
            transport=transport,
            battle_format="gen1ou",
            pool=pool,
            games=concurrency,
            concurrency=concurrency,
            seed=1,
        )
        for label, agent in (("gym-leader", "gym-leader"), ("checkpoint", checkpoint)):
            spec = resolve(agent)
            spent = time.process_time()  # this process alone, its inference thread included
            with TreeCPU() as tree:
                result = await play_match(
                    spec,
                    spec,
                    transport=transport,
                    battle_format="gen1ou",
                    pool=pool,
                    games=games,
                    concurrency=concurrency,
                    seed=0,
                )
            own = (time.process_time() - spent) / games * 1000
            cpu = 1000 * tree.seconds / games
            results[label] = (result.battles_per_second, cpu, own, cpu / result.mean_turns)
            workers = [w.result() for w in batching._workers.values() if w.done()]
            passes = sum(w.batches for w in workers)
            batched = (
                f", {sum(w.decisions for w in workers) / passes:.1f} decisions per forward pass"
                if passes
                else ""
            )
            print(
                f"{label:<11} vs itself {result.battles_per_second:6.2f} battles/s  "
                f"CPU {cpu:5.0f} ms/battle (arena {own:4.0f}, hosts {cpu - own:4.0f}), "
                f"{result.mean_turns:.0f} turns/battle, {cpu / result.mean_turns:.1f} ms/turn  "
                f"({games} games, concurrency {concurrency}{batched})",
                flush=True,
            )
    heuristic, neural = results["gym-leader"], results["checkpoint"]
    print(
        f"ratio checkpoint/gym-leader: by CPU per battle {heuristic[1] / neural[1]:.2f}x "
        f"(arena process alone {heuristic[2] / neural[2]:.2f}x; by CPU per turn "
        f"{heuristic[3] / neural[3]:.2f}x), by battles/s {neural[0] / heuristic[0]:.2f}x"
    )


async def ray_against_processes(store, pool, games_per_pair, concurrency, workers) -> None:
    """One process, worker processes and Ray actors: battles/s and CPU per battle."""
    import ray  # the `ray` extra
    from bench_transport import TreeCPU  # the script beside this one, which imports this

    battles = len(pairings(AGENTS, "round-robin", None)) * games_per_pair
    results = {}

    async def timed(label, workers=1, actors=None):
        run = arena_run(
            store,
            label,
            AGENTS,
            "gen1ou",
            games_per_pair,
            concurrency,
            workers,
            transport="direct",
        )
        if actors:
            run.cluster = RayOptions("auto", actors=actors)
        clock = time.perf_counter()
        with TreeCPU() as cpu:
            await run.play(None)
        rate = run.progress.done / (time.perf_counter() - clock)
        results[label] = (rate, cpu.seconds / run.progress.done)
        print(
            f"{label:<18} {rate:6.2f} battles/s  {1000 * results[label][1]:6.0f} CPU ms/battle"
            f"  ({run.progress.done} battles, concurrency {concurrency})",
            flush=True,
        )

    print(f"{battles} battles each, {os.cpu_count()} cores; CPU = this process tree")
    await timed("one process")
    await timed(f"{workers} workers", workers=workers)
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    try:
        for actors in (1, 2):
            await timed(f"ray, {actors} actor{'s' * (actors > 1)}", actors=actors)
    finally:
        ray.shutdown()
    base_rate, base_cpu = results["one process"]
    for label, (rate, cpu) in list(results.items())[1:]:
        print(
            f"ratio {label}/one process: {rate / base_rate:.2f}x battles/s, "
            f"{cpu / base_cpu:.2f}x CPU per battle ({1000 * (cpu - base_cpu):+.0f} ms)"
        )


async def main(args) -> None:
    _, pool = load_pool("gen1ou", None)
    concurrency = args.per_player * len(AGENTS) // 2
    with tempfile.TemporaryDirectory() as folder:
        if args.ray:
            store = Store.open(f"sqlite:///{folder}/bench.db")
            workers = args.workers[0] if args.workers else 2
            await ray_against_processes(store, pool, args.games_per_pair, concurrency, workers)
            return
        if args.selfplay:
            await selfplay_vs_heuristic(args.games_per_pair, args.concurrency, args.checkpoint)
            return
        if args.checkpoint_vs_heuristic:
            async with running_server() as server:
                await checkpoint_vs_heuristic(
                    server.websocket_url, pool, folder, args.games_per_pair, concurrency
                )
            return
        from bench_transport import Phase, warm  # the script beside this one, which imports this

        battles = len(pairings(AGENTS, "round-robin", None)) * args.games_per_pair
        rate, cpu, wall = cli_tournament(folder, args.games_per_pair, concurrency)
        print(cpu_line("arena tournament (CLI)", rate, cpu, battles, wall), flush=True)
        store = Store.open(f"sqlite:///{folder}/bench.db")
        async with running_server() as server:
            url = server.websocket_url
            await warm(url)
            with Phase() as phase:
                peer = await cross_evaluate_rate(
                    url, "gen1ou", pool, args.games_per_pair, args.per_player
                )
            print(
                cpu_line("poke-env cross_evaluate", peer, phase.cpu, battles, phase.elapsed),
                f"(per player {args.per_player}; its server's start-up and logins excluded)",
                flush=True,
            )
            print(
                f"ratio arena CLI/cross_evaluate = {rate / peer:.2f}x by battles/s, "
                f"{sum(phase.cpu.values()) / sum(cpu.values()):.2f}x by CPU per battle "
                f"(#23's target: >= 2x by battles/s)",
                flush=True,
            )
            if args.thread_hop:
                arena = await arena_rate(url, store, "gen1ou", args.games_per_pair, concurrency, 1)
                hop = await arena_rate(
                    url, store, "gen1ou", args.games_per_pair, concurrency, 1, threads=True
                )
                print(
                    f"arena in this process on the server {arena:6.2f} battles/s, bots in "
                    f"threads {hop:6.2f}: ratio threads/loop {hop / arena:.2f}x",
                    flush=True,
                )
            for workers in args.workers:
                rate_w, cpu_w, wall_w = cli_tournament(
                    folder, args.games_per_pair, concurrency, workers
                )
                print(
                    cpu_line(f"arena CLI, {workers} workers", rate_w, cpu_w, battles, wall_w),
                    f"ratio {rate_w / peer:.2f}x",
                    flush=True,
                )
            if args.long:
                await memory(url, store, args.long)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games-per-pair", type=int, default=40)
    parser.add_argument("--per-player", type=int, default=8)
    parser.add_argument("--long", type=int, default=3000, help="battles; 0 skips part 2")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="*",
        default=[],
        help="also time the command with these numbers of worker processes",
    )
    parser.add_argument(
        "--thread-hop",
        action="store_true",
        help="also time arena with the shipped bots deciding in threads",
    )
    parser.add_argument(
        "--checkpoint-vs-heuristic",
        action="store_true",
        help="only time a small checkpoint against gym-leader, both facing max-power",
    )
    parser.add_argument(
        "--selfplay",
        action="store_true",
        help="only time a checkpoint against itself next to gym-leader against itself",
    )
    parser.add_argument(
        "--checkpoint", default=BASE, help="with --selfplay: the checkpoint (default: base)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="with --selfplay: battles in flight"
    )
    parser.add_argument(
        "--ray",
        action="store_true",
        help="only time one process, --workers and Ray with 1 and 2 actors (needs arena[ray])",
    )
    aio.run(main(parser.parse_args()))
