"""Game play for scheduled games: a logged-in player per agent, workers through the slots.

Both `arena battle` and tournaments play through here: up to `concurrency` workers
each take the next slot, play it and hand its record to the caller, so matchmaking
(`schedule`) and bookkeeping (the caller) stay out of game play.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

from arena.game import Entrant, GameRecord, play_game
from arena.player import ArenaPlayer, close, spawn
from arena.schedule import Slot
from models.registry import AgentSpec


@dataclass(frozen=True)
class PlaySettings:
    battle_format: str
    concurrency: int
    decision_timeout: float = ArenaPlayer.decision_timeout
    max_failures: int = ArenaPlayer.max_failures
    battle_time_limit: float | None = None


@contextlib.asynccontextmanager
async def field(
    specs: dict[str, AgentSpec], websocket_url: str, settings: PlaySettings
) -> AsyncIterator[dict[str, ArenaPlayer]]:
    """One player per agent name (two names may share a spec, as in self-play)."""
    names = list(specs)
    players = await asyncio.gather(
        *(
            spawn(
                specs[name],
                websocket_url,
                settings.battle_format,
                settings.decision_timeout,
                settings.max_failures,
            )
            for name in names
        )
    )
    try:
        yield dict(zip(names, players, strict=True))
    finally:
        await asyncio.gather(*(close(p) for p in players), return_exceptions=True)


async def play_slots(
    slots: Iterable[Slot],
    players: dict[str, ArenaPlayer],
    settings: PlaySettings,
    on_record: Callable[[Slot, GameRecord], Awaitable[None]],
    stop: asyncio.Event | None = None,
) -> None:
    """Plays the slots in order, `concurrency` at a time, until done or `stop` is set.

    A worker takes its next slot only once `on_record` has kept the last one's record.
    """
    queue = iter(slots)

    async def worker() -> None:
        for slot in queue:
            if stop is not None and stop.is_set():
                return
            (challenger, team_c), (accepter, team_a) = slot.seating()
            record = await play_game(
                Entrant(challenger, players[challenger], team_c),
                Entrant(accepter, players[accepter], team_a),
                settings.battle_format,
                slot.pair_index,
                settings.battle_time_limit,
            )
            await on_record(slot, record)

    async with asyncio.TaskGroup() as group:
        for _ in range(settings.concurrency):
            group.create_task(worker())
