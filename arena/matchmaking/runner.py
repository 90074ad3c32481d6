"""Game play for scheduled games: a player per agent, workers through the slots.

Both `arena battle` and tournaments play through here, on either transport: up to
`concurrency` workers each take the next slot, play it and hand its record to the
caller, so matchmaking (`schedule`) and bookkeeping (the caller) stay out of game play.
A slot whose simulator host died is played again; it is never recorded twice.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from arena.game.battle import Entrant, GameRecord, GameStartError, play_game
from arena.game.player import ArenaPlayer, close
from arena.matchmaking.schedule import Slot
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import AgentSpec
from arena.showdown.host import HostDied

REPLAYS = 3  # times a slot is played again after its host died, before the run stops


@contextlib.asynccontextmanager
async def players_for(
    specs: dict[str, AgentSpec], transport, settings: PlaySettings
) -> AsyncIterator[dict[str, ArenaPlayer]]:
    """One player per agent name (two names may share a spec, as in self-play)."""
    names = list(specs)
    players = await asyncio.gather(
        *(
            transport.spawn(
                specs[name],
                settings.format,
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
    *,
    transport,
) -> None:
    """Plays the slots in order, `concurrency` at a time, until done or `stop` is set.

    A worker takes its next slot only once `on_record` has kept the last one's record.
    """
    queue = iter(slots)

    async def worker() -> None:
        while not (stop is not None and stop.is_set()):
            slot = next(queue, None)
            if slot is None:
                return
            await on_record(slot, await play_slot(slot, players, settings, transport))

    async with asyncio.TaskGroup() as group:
        for _ in range(settings.concurrency):
            group.create_task(worker())


async def play_slot(slot: Slot, players, settings: PlaySettings, transport) -> GameRecord:
    """One slot's game, played again (up to `REPLAYS` times) when its host dies mid-game."""
    replays = 0
    while True:
        try:
            return await _play(slot, players, settings, transport)
        except HostDied as error:
            replays += 1
            if replays > REPLAYS:
                raise GameStartError(
                    f"{slot.pairing}, pair {slot.pair_index} game {slot.game}: {error} "
                    f"({REPLAYS} replays)"
                ) from None


async def _play(slot: Slot, players, settings: PlaySettings, transport) -> GameRecord:
    (challenger, team_c), (accepter, team_a) = slot.seating()
    return await play_game(
        Entrant(challenger, players[challenger], team_c),
        Entrant(accepter, players[accepter], team_a),
        settings.format,
        transport,
        slot.pair_index,
        settings.battle_time_limit,
        slot.battle_seed(settings.seed),
    )
