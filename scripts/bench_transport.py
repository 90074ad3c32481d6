"""arena's direct transport against its server transport and poke-env's `cross_evaluate`.

Same field as scripts/bench_tournament.py (five heuristic agents, gen1ou, round robin),
measured in one run: battles per second, and CPU seconds per battle over this process
and every process it started (read from /proc), split into the simulator, the hosts'
line protocol, the server's other processes and Python. Goals: direct >= 1.4x
`cross_evaluate`, and direct's CPU per battle <= 0.7x the server transport's.
Usage: python scripts/bench_transport.py [--games-per-pair 40] [--per-player 8]
"""

import argparse
import os
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench_tournament import AGENTS, arena_run, cross_evaluate_rate

from arena import aio
from arena.errors import ArenaError
from arena.game.player import close, spawn
from arena.game.teams import load_pool
from arena.game.transport import ServerTransport, opened
from arena.matchmaking.runner import play_slots, players_for
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import resolve
from arena.showdown import running_server
from arena.store.database import Store
from arena.store.writer import StoreWriter

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _label(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = b" ".join(argv).decode(errors="replace")
    if pid == os.getpid():
        return "python"
    if "host.js" in text:
        return "simulator hosts"
    if "validate.js" in text:
        return "team validator"
    if " arena " in f" {text} " or text.endswith("/arena") or "-m arena" in text:
        return "arena (command line)"
    return "server (all its processes)" if "node" in text else "other"


def tree_cpu() -> dict[int, tuple[str, float]]:
    """Each live process of this tree: its label and CPU seconds so far."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (got := _stat(int(name))):
            stats[int(name)] = got
    children = defaultdict(list)
    for pid, (parent, _) in stats.items():
        children[parent].append(pid)
    tree, stack = {}, [os.getpid()]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        if pid in stats:
            tree[pid] = (_label(pid), stats[pid][1])
    return tree


def spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per label between two snapshots (a process started since counts whole)."""
    by_label: dict[str, float] = defaultdict(float)
    for pid, (label, cpu) in after.items():
        by_label[label] += cpu - (before[pid][1] if pid in before else 0.0)
    return dict(by_label)


class TreeCPU:
    """CPU seconds of this process and every process under it while the block runs.

    Polled, so processes that end inside the block (worker processes, Ray actors and their
    hosts) count too; one that exits between two polls loses at most `every` seconds.
    Ray's services are under this process when it started Ray.
    """

    def __init__(self, every: float = 0.25):
        self.every, self.seconds = every, 0.0
        self.by_label: dict[str, float] = {}
        self._done = threading.Event()

    def _poll(self) -> None:
        while not self._done.wait(self.every):
            self._see()

    def _see(self) -> None:
        """Each process's latest CPU under the label it was first seen with: an exiting
        process's command line reads empty."""
        for pid, (label, cpu) in tree_cpu().items():
            first = self.last.get(pid, (label, 0.0))[0]
            self.last[pid] = (label if first in ("?", "other") else first, cpu)

    def __enter__(self) -> "TreeCPU":
        self.start, self.last = tree_cpu(), {}
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._done.set()
        self._thread.join()
        self._see()
        self.by_label = spent(self.start, self.last)
        self.seconds = sum(self.by_label.values())


class Phase:
    """Wall time and tree CPU of one measured run."""

    def __enter__(self):
        self.cpu0, self.clock = tree_cpu(), time.perf_counter()
        return self

    def __exit__(self, *_):
        self.elapsed = time.perf_counter() - self.clock
        self.cpu = spent(self.cpu0, tree_cpu())


async def arena_phase(transport, store, args, concurrency):
    """One arena tournament on an open transport: (battles, phase, host I/O seconds)."""
    name = f"{transport.name}-{time.time():.0f}"
    run = arena_run(
        store, name, AGENTS, "gen1ou", args.games_per_pair, concurrency, 1, transport=transport.name
    )
    settings = PlaySettings.defaults(format="gen1ou", concurrency=concurrency, seed=0)
    async with players_for(run.specs, transport, settings) as players:
        io0 = await transport.pool.cpu_split() if transport.name == "direct" else (0, 0)
        run.writer = StoreWriter()  # what TournamentRun.play opens: _record stores through it
        try:
            with Phase() as phase:
                await play_slots(run.pending, players, settings, run._record, transport=transport)
                io1 = await transport.pool.cpu_split() if transport.name == "direct" else (0, 0)
        finally:
            run.writer.close()
    return run.progress.played, phase, io1[1] - io0[1]


def report(name: str, battles: int, phase: Phase, io: float = 0.0, rate: float = 0.0) -> float:
    rate = rate or battles / phase.elapsed
    total = sum(phase.cpu.values())
    parts = dict(phase.cpu)
    if io:
        parts["simulator hosts"] -= io
        parts["host line protocol"] = io
    split = "  ".join(f"{k} {1000 * v / battles:.1f}" for k, v in sorted(parts.items()) if v > 0)
    print(
        f"{name:22s} {rate:6.2f} battles/s  CPU {1000 * total / battles:6.1f} ms/battle  "
        f"({split} ms)",
        flush=True,
    )
    return rate


async def warm(url: str, tries: int = 5) -> None:
    """A first login, retried: a fresh server on a busy machine can take longer than
    poke-env's 10 s connection timeout to answer its first websocket."""
    for attempt in range(tries):
        try:
            await close(await spawn(resolve("random"), url, "gen1ou"))
            return
        except ArenaError:
            if attempt == tries - 1:
                raise


async def main(args) -> None:
    _, pool = load_pool("gen1ou", None)
    concurrency = args.per_player * len(AGENTS) // 2
    battles = args.games_per_pair * len(AGENTS) * (len(AGENTS) - 1) // 2
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{folder}/bench.db")
        async with opened("direct") as direct:
            played, phase, io = await arena_phase(direct, store, args, concurrency)
        direct_rate = report("arena, direct", played, phase, io)
        direct_cpu = sum(phase.cpu.values()) / played
        async with running_server() as server:
            url = server.websocket_url
            await warm(url)
            transport = ServerTransport(url)
            played, phase, _ = await arena_phase(transport, store, args, concurrency)
            report("arena, server", played, phase)
            server_cpu = sum(phase.cpu.values()) / played
            with Phase() as phase:
                peer = await cross_evaluate_rate(
                    url, "gen1ou", pool, args.games_per_pair, args.per_player
                )
            report("poke-env cross_eval", battles, phase, rate=peer)
    print(
        f"ratio direct/cross_evaluate = {direct_rate / peer:.2f}x (goal >= 1.4x); "
        f"CPU per battle direct/server = {direct_cpu / server_cpu:.2f}x (goal <= 0.7x)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games-per-pair", type=int, default=40)
    parser.add_argument("--per-player", type=int, default=8)
    aio.run(main(parser.parse_args()))
