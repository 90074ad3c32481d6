"""The direct transport: arena's poke-env players fed by simulator hosts, not a server.

A player here never connects anywhere. Each message a host sends for a side is handed to
that side's poke-env client exactly as its websocket would have delivered it (the battle
room's tag line first, one task per message, in order under poke-env's battle lock), and
what the player sends to a battle room (`/choose`, `/team`, `/forfeit`) goes to the host.
The room's own opening (`|init|battle`, `|title|`, `|j|`) is written here, as the
server's room would write it. Checked against poke-env 0.16.1's `PSClient` and `Player`.
"""

import asyncio
import logging
import secrets
from dataclasses import dataclass

from poke_env.ps_client import AccountConfiguration

from arena.game.battle import Entrant
from arena.game.player import ArenaPlayer, arena_class, username_for
from arena.models.registry import AgentSpec
from arena.showdown.host import HostedBattle, HostPool

SIDES = ("p1", "p2")


@dataclass
class _Seat:
    """One side of a hosted battle, as its player's room routes it."""

    battle_id: int
    hosted: HostedBattle
    side: str


class DirectTransport:
    """Games on simulator hosts; the challenger plays p1, as on a server."""

    name = "direct"
    seeded = True

    def __init__(self, pool: HostPool):
        self.pool = pool
        self._battles: dict[str, tuple[int, HostedBattle, tuple[ArenaPlayer, ArenaPlayer]]] = {}

    async def spawn(
        self, spec: AgentSpec, battle_format: str, decision_timeout: float, max_failures: int
    ) -> ArenaPlayer:
        """A player whose client has no socket: it is 'logged in' from the start."""
        player = arena_class(spec)(
            account_configuration=AccountConfiguration(username_for(spec.name), None),
            battle_format=battle_format,
            max_concurrent_battles=0,
            log_level=logging.CRITICAL,
            loop=asyncio.get_running_loop(),
            start_listening=False,
        )
        player.decision_timeout, player.max_failures = decision_timeout, max_failures
        player.ps_client.send_message = _RoomCommands(self.pool)
        player.ps_client.logged_in.set()
        return player

    async def start(
        self, challenger: Entrant, accepter: Entrant, battle_format: str, seed: str | None
    ):
        players = (challenger.player, accepter.player)
        teams = tuple(e.team.packed if e.team else None for e in (challenger, accepter))
        names = tuple(p.username for p in players)

        def deliver(side: str, data: str) -> None:
            _deliver(players[SIDES.index(side)], f">{tag}\n{data}")

        seed = seed or f"sodium,{secrets.token_hex(32)}"
        battle_id, hosted = await self.pool.start(
            battle_format,
            seed,
            tuple(zip(names, teams, strict=True)),
            deliver,
        )
        tag = f"battle-{battle_format}-{battle_id}"
        for player, side in zip(players, SIDES, strict=True):
            player.ps_client.send_message.rooms[tag] = _Seat(battle_id, hosted, side)
            player.seed_battle(tag, seed, side)
        self._battles[tag] = (battle_id, hosted, players)
        opening = f"|init|battle\n|title|{names[0]} vs. {names[1]}\n|j|☆{names[0]}\n|j|☆{names[1]}"
        await asyncio.gather(*(_deliver(p, f">{tag}\n{opening}") for p in players))
        return tuple(p.battles[tag] for p in players)

    async def watch(self, battle_tag: str, ends: asyncio.Future) -> None:
        """Both sides' ends, unless the host fails first (then `HostDied`)."""
        over = self._battles[battle_tag][1].over
        try:
            done, _ = await asyncio.wait((ends, over), return_when=asyncio.FIRST_COMPLETED)
            if over in done and over.exception() is not None and not ends.done():
                raise over.exception()
            await ends
        finally:
            ends.cancel()  # a no-op once both sides have ended
            ends.add_done_callback(_seen)

    def release(self, battle_tag: str) -> None:
        battle_id, hosted, players = self._battles.pop(battle_tag)
        self.pool.drop(battle_id, hosted)
        if not hosted.over.done():
            hosted.over.cancel()
        elif not hosted.over.cancelled():
            hosted.over.exception()  # seen, so that asyncio does not report it again
        for player in players:
            player.ps_client.send_message.rooms.pop(battle_tag, None)
            player.ps_client._battle_locks.pop(battle_tag, None)


def _seen(future: asyncio.Future) -> None:
    """Takes a cancelled wait's outcome, so that asyncio does not report it as unseen."""
    if not future.cancelled():
        future.exception()


def _deliver(player: ArenaPlayer, message: str) -> asyncio.Task:
    """One message, handled as poke-env handles one websocket message: in its own task."""
    client = player.ps_client
    task = asyncio.ensure_future(client._handle_message(message))
    client._active_tasks.add(task)
    task.add_done_callback(client._active_tasks.discard)
    return task


class _RoomCommands:
    """A player's `send_message`: what it sends to a battle room goes to the room's host."""

    def __init__(self, pool: HostPool):
        self.pool = pool
        self.rooms: dict[str, _Seat] = {}

    async def __call__(self, message: str, room: str = "", _message_2: str | None = None):
        seat = self.rooms.get(room)
        if seat is None:
            return  # `/leave`, `/timer`: nothing to do without a server
        command, _, rest = message.partition(" ")
        if command == "/choose":
            self.pool.choose(seat.battle_id, seat.hosted, seat.side, rest)
        elif command == "/team":
            self.pool.choose(seat.battle_id, seat.hosted, seat.side, f"team {rest}")
        elif command == "/forfeit":
            self.pool.forfeit(seat.battle_id, seat.hosted, seat.side)
