"""Simulator hosts: node processes running battles with Showdown's own simulator (host.js).

Battles are spread over several processes (the simulator is single-threaded), each
spoken to over its stdin and stdout, one JSON object per line. A process that dies takes
only its own battles with it: they are failed with `HostDied`, so their slots can be
played again, and the process is started afresh for the battles that follow. Its death
shows first as its closed pipe, so from then on no battle is sent to it.
"""

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from arena.errors import ArenaError
from arena.lifetime import close_children, die_with_parent
from arena.showdown.install import install_dir, node_executable, require_install

_SCRIPT = Path(__file__).with_name("host.js")
MAX_RESTARTS = 20  # hosts that die more often than this in one run stop it
LINE_LIMIT = 2**20  # bytes in one line from a host (only headers and small JSON)
GROW_AT = 2  # battles on every host before the pool starts another (up to its size)


class HostDied(RuntimeError):
    """The simulator host running a battle stopped before the battle ended."""


def default_hosts(cores: int | None = None) -> int:
    """One host for a process's battles on a machine of up to three cores, else two.

    A host spends less CPU per battle than the Python side that plays it (measured on a
    heuristic round robin: 20 ms against 28), so one host keeps up with one Python
    process; a second host on two cores cost 25-35% more host CPU per battle (two
    simulators to compile and collect, and smaller batches per pipe write) and ran the
    round robin slower. A second host is for a machine with cores to spare beyond the
    Python process and the first host; more Python processes (`--workers`) each have
    their own."""
    return 1 if (cores or os.cpu_count() or 2) <= 3 else 2


@dataclass
class HostedBattle:
    """A battle on a host: where its players' messages go, and how it ends."""

    deliver: Callable[[str, str], None]  # (side, message)
    over: asyncio.Future
    host: "Host | None" = None


@dataclass
class Host:
    process: asyncio.subprocess.Process
    battles: dict[int, HostedBattle] = field(default_factory=dict)
    reader: asyncio.Task | None = None
    stats: asyncio.Future | None = None
    unsent: list[bytes] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        """False once its pipe has closed: it died, and its reader (a few turns of the event
        loop later) fails its battles and starts another host."""
        return not self.process.stdin.is_closing()

    def send(self, message: dict) -> None:
        """Queues a line for the host, written with every other line queued in this turn of
        the event loop: one pipe write (and one wake-up of the host) for many choices."""
        if not self.unsent:
            asyncio.get_running_loop().call_soon(self._flush)
        self.unsent.append(orjson.dumps(message))

    def _flush(self) -> None:
        """To a dead host, nothing (on uvloop a write to its closed pipe raises), as its
        battles are about to fail with `HostDied` and be played again."""
        lines, self.unsent = self.unsent, []
        if self.alive:
            self.process.stdin.write(b"\n".join(lines) + b"\n")


class HostPool:
    """Several simulator hosts; a battle goes to the one with the fewest battles.

    The pool starts with one host and starts the others as battles need them (every host
    busy with `GROW_AT` battles): a short run, a two-game tournament, does not pay for
    loading the simulator on every core, and a long one has them all within its first
    few battles.
    """

    def __init__(self, size: int | None = None):
        self.size = size or default_hosts()
        self.hosts: list[Host] = []
        self.restarts = 0
        self._coming = 0  # hosts being started, or lost and awaiting their replacement
        self._next_id = 0
        self._closing = False
        self._changed = asyncio.Event()  # set when a host is replaced or given up

    async def __aenter__(self) -> "HostPool":
        require_install()
        self._node = node_executable()
        self.hosts = [await self._start_host()]
        return self

    async def __aexit__(self, *_exc) -> None:
        self._closing = True
        hosts = list(self.hosts)
        await close_children([host.process for host in hosts])
        for host in hosts:
            if host.reader is not None:
                host.reader.cancel()

    async def _start_host(self) -> Host:
        process = await asyncio.create_subprocess_exec(
            self._node,
            "--max-semi-space-size=32",  # fewer young-generation collections (MiB)
            str(_SCRIPT),
            str(install_dir()),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
            preexec_fn=die_with_parent,
        )
        host = Host(process)
        host.reader = asyncio.create_task(self._read(host))
        return host

    def pids(self) -> list[int]:
        return [host.process.pid for host in self.hosts]

    async def start(
        self,
        battle_format: str,
        seed: str,
        players: tuple[tuple[str, str | None], tuple[str, str | None]],
        deliver: Callable[[str, str], None],
    ) -> tuple[int, HostedBattle]:
        """Starts a battle; its messages go to `deliver` and `over` resolves at its end."""
        while not (live := [host for host in self.hosts if host.alive]):  # all restarting
            if self.restarts > MAX_RESTARTS:
                raise ArenaError(f"simulator hosts died {self.restarts} times: giving up", 1)
            self._changed.clear()
            await self._changed.wait()
        host = min(live, key=lambda h: len(h.battles))
        if len(host.battles) >= GROW_AT and len(self.hosts) + self._coming < self.size:
            self._coming += 1  # before the await: battles starting meanwhile see it coming
            try:
                host = await self._start_host()
            finally:
                self._coming -= 1
            self.hosts.append(host)
        self._next_id += 1
        battle = HostedBattle(deliver, asyncio.get_running_loop().create_future())
        battle.host = host
        host.battles[self._next_id] = battle
        host.send(
            {"start": self._next_id, "format": battle_format, "seed": seed, "players": players}
        )
        return self._next_id, battle

    def choose(self, battle_id: int, battle: HostedBattle, side: str, choice: str) -> None:
        if battle.host.battles.get(battle_id) is battle:
            battle.host.send({"choose": battle_id, "side": side, "choice": choice})

    def forfeit(self, battle_id: int, battle: HostedBattle, side: str) -> None:
        if battle.host.battles.get(battle_id) is battle:
            battle.host.send({"forfeit": battle_id, "side": side})

    def drop(self, battle_id: int, battle: HostedBattle) -> None:
        """Forgets a battle, ended or not (a battle over its time limit is dropped)."""
        if battle.host.battles.pop(battle_id, None) is battle:
            battle.host.send({"drop": battle_id})

    async def cpu_split(self) -> tuple[float, float]:
        """CPU seconds the live hosts have spent in all, and in their line protocol."""
        waits = []
        for host in (host for host in self.hosts if host.alive):
            host.stats = asyncio.get_running_loop().create_future()
            host.send({"stats": True})
            waits.append(host.stats)
        replies = await asyncio.gather(*waits)
        return sum(r["cpu"] for r in replies) / 1e6, sum(r["io"] for r in replies) / 1e6

    async def _read(self, host: Host) -> None:
        stream = host.process.stdout
        while line := await stream.readline():
            if not line.startswith(b"{"):  # "ID SIDE BYTES", then the message itself
                battle_id, side, size = line.split()
                try:
                    data = (await stream.readexactly(int(size))).decode()
                except asyncio.IncompleteReadError:
                    break  # the host died mid-message
                battle = host.battles.get(int(battle_id))
                if battle is not None:
                    battle.deliver(side.decode(), data)
                continue
            message = orjson.loads(line)
            battle = host.battles.get(message.get("id"))
            if "over" in message:
                if battle is not None and not battle.over.done():
                    battle.over.set_result(None)
            elif "crashed" in message:
                if battle is not None and not battle.over.done():
                    failure = HostDied(f"the simulator failed: {message['crashed']}")
                    battle.over.set_exception(failure)
            elif "stats" in message and host.stats is not None:
                host.stats.set_result(message["stats"])
        await self._lost(host)

    async def _lost(self, host: Host) -> None:
        """A host's output ended: its battles fail, and unless arena is closing it restarts."""
        if host in self.hosts:
            self.hosts.remove(host)  # at once: no new battle may go to it
        self._coming += 1  # nor may the pool grow into its place
        try:
            await self._replace(host)
        finally:
            self._coming -= 1

    async def _replace(self, host: Host) -> None:
        code = await host.process.wait()
        for battle in host.battles.values():
            if not battle.over.done():
                battle.over.set_exception(HostDied(f"simulator host exited with status {code}"))
        host.battles.clear()
        if self._closing:
            return
        self.restarts += 1
        if self.restarts <= MAX_RESTARTS:
            self.hosts.append(await self._start_host())
        self._changed.set()
