"""Where arena's players play: a Showdown server over websockets, or simulator hosts.

`direct` (the default for local play) runs battles on arena's own simulator hosts: the
same simulator, without the server's rooms, users, chat and sockets, and with the seed
arena chooses, so a battle can be played again. `server` is a real Showdown server,
started for the run or named with `--server`; a ladder and sparring always use one.
Both give a runner the same three things: players, a way to start a game between two of
them, and a way to watch it end.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable

from arena.errors import ArenaError
from arena.game.battle import Entrant, GameStartError
from arena.game.direct import DirectTransport
from arena.game.player import ArenaPlayer, spawn
from arena.models.registry import AgentSpec
from arena.showdown import server_url
from arena.showdown.host import HostPool

TRANSPORTS = ("direct", "server")
START_TIMEOUT = 60.0


def check_transport(kind: str | None, server: str | None) -> str:
    """The transport a command uses: `server` whenever a server is named."""
    if kind is not None and kind not in TRANSPORTS:
        raise ArenaError(f"unknown --transport {kind!r}: use direct or server")
    if server is not None:
        if kind == "direct":
            raise ArenaError("--transport direct plays without a server: drop --server")
        return "server"
    return kind or "direct"


class ServerTransport:
    """Games on a Showdown server: a challenge, accepted with the team the runner chose.

    Showdown lets a user have one outgoing challenge at a time and a user's team is set
    per connection, so starting a game holds both players' start locks until the battle
    exists on both sides; the battle itself then runs without any lock.
    """

    name = "server"
    seeded = False  # the server draws its own seed and does not tell it

    def __init__(self, websocket_url: str):
        self.websocket_url = websocket_url
        self._locks: dict[int, asyncio.Lock] = {}

    async def spawn(
        self, spec: AgentSpec, battle_format: str, decision_timeout: float, max_failures: int
    ) -> ArenaPlayer:
        return await spawn(spec, self.websocket_url, battle_format, decision_timeout, max_failures)

    async def start(
        self, challenger: Entrant, accepter: Entrant, battle_format: str, _seed: str | None
    ):
        locks = sorted({self._lock(challenger.player), self._lock(accepter.player)}, key=id)
        for lock in locks:
            await lock.acquire()
        try:
            started = (challenger.player.expect_battle(), accepter.player.expect_battle())
            accepter.player.expect_challenge(challenger.player.username, _packed(accepter))
            await challenger.player.ps_client.challenge(
                accepter.player.username, battle_format, _packed(challenger)
            )
            try:
                return await asyncio.wait_for(asyncio.gather(*started), START_TIMEOUT)
            except TimeoutError:
                raise GameStartError(
                    f"Showdown did not start {challenger.name} vs {accepter.name} "
                    f"within {START_TIMEOUT:.0f}s"
                ) from None
        finally:
            for lock in locks:
                lock.release()

    def _lock(self, player: ArenaPlayer) -> asyncio.Lock:
        return self._locks.setdefault(id(player), asyncio.Lock())

    async def watch(self, _battle_tag: str, ends: Awaitable) -> None:
        await ends

    def release(self, _battle_tag: str) -> None:
        """Nothing to free: the server closes a battle room when its players leave."""


def _packed(entrant: Entrant) -> str | None:
    return entrant.team.packed if entrant.team else None


@contextlib.asynccontextmanager
async def opened(
    kind: str, websocket_url: str | None = None, hosts: int | None = None, **server_options
) -> AsyncIterator:
    """The transport of that kind: simulator hosts, or the given server (else a new one)."""
    if kind == "server":
        async with server_url(websocket_url, **server_options) as url:
            yield ServerTransport(url)
        return
    async with HostPool(hosts) as pool:
        yield DirectTransport(pool)
