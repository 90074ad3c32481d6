"""One game between two arena players: a challenge with chosen teams, and its record.

Showdown lets a user have one outgoing challenge at a time and a user's team is set
per connection, so starting a game holds both players' start locks until the battle
exists on both sides; the battle itself then runs without any lock.
"""

import asyncio
import contextlib
import time
from dataclasses import dataclass

from arena.player import ArenaPlayer, BattleLog
from arena.teams import Team

START_TIMEOUT = 60.0
ABANDON_GRACE = 10.0  # seconds for a forfeited game's end to arrive


class GameStartError(RuntimeError):
    """Showdown did not start a battle that was challenged and accepted."""


@dataclass(frozen=True)
class Entrant:
    """An agent in one game: its display name, its player and the team it brings."""

    name: str
    player: ArenaPlayer
    team: Team | None


@dataclass
class Seat:
    agent: str
    team: str | None
    log: BattleLog


@dataclass
class GameRecord:
    battle_tag: str
    seats: tuple[Seat, Seat]  # in Showdown's side order: p1, p2
    winner: int | None  # 0 for p1, 1 for p2, None for a tie
    turns: int
    duration: float
    end_reason: str
    pair: int | None = None  # the side-swapped pair it belongs to, when in a match

    def winner_name(self) -> str | None:
        return None if self.winner is None else self.seats[self.winner].agent


_start_locks: dict[int, asyncio.Lock] = {}


def _start_lock(player: ArenaPlayer) -> asyncio.Lock:
    return _start_locks.setdefault(id(player), asyncio.Lock())


async def _start(challenger: Entrant, accepter: Entrant, battle_format: str):
    locks = sorted({_start_lock(challenger.player), _start_lock(accepter.player)}, key=id)
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


def _packed(entrant: Entrant) -> str | None:
    return entrant.team.packed if entrant.team else None


async def play_game(
    challenger: Entrant,
    accepter: Entrant,
    battle_format: str,
    pair: int | None = None,
    time_limit: float | None = None,
) -> GameRecord:
    """Plays one game to its end (or to `time_limit` seconds) and returns its record.

    A game over its wall-clock limit is ended by both sides forfeiting and is recorded
    with no winner: the server's verdict there says who typed first, not who played
    better. Both players forget the battle once its record is taken.
    """
    clock = time.perf_counter()
    battle_c, battle_a = await _start(challenger, accepter, battle_format)
    ends = (
        challenger.player.finished(battle_c.battle_tag),
        accepter.player.finished(battle_a.battle_tag),
    )
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.gather(*ends), time_limit)
    except TimeoutError:
        timed_out = True
        await _end_abandoned(challenger, battle_c, accepter, battle_a)
    duration = time.perf_counter() - clock
    by_role = {
        battle_c.player_role: (challenger, challenger.player.forget(battle_c.battle_tag)),
        battle_a.player_role: (accepter, accepter.player.forget(battle_a.battle_tag)),
    }
    seats = tuple(
        Seat(entrant.name, entrant.team.name if entrant.team else None, log)
        for entrant, log in (by_role["p1"], by_role["p2"])
    )
    winner = None if timed_out else _winner(battle_c)
    return GameRecord(
        battle_tag=battle_c.battle_tag,
        seats=seats,
        winner=winner,
        turns=battle_c.turn,
        duration=duration,
        end_reason=_end_reason(seats, winner, timed_out, time_limit),
        pair=pair,
    )


async def _end_abandoned(challenger, battle_c, accepter, battle_a) -> None:
    await challenger.player.forfeit(battle_c.battle_tag)
    await accepter.player.forfeit(battle_a.battle_tag)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(
                challenger.player.finished(battle_c.battle_tag),
                accepter.player.finished(battle_a.battle_tag),
            ),
            ABANDON_GRACE,
        )


def _winner(battle) -> int | None:
    """p1 (0) or p2 (1) from the challenger's battle; None for a tie."""
    if battle.won is None:
        return None
    challenger_side = 0 if battle.player_role == "p1" else 1
    return challenger_side if battle.won else 1 - challenger_side


def _end_reason(seats, winner, timed_out: bool, time_limit: float | None) -> str:
    if timed_out:
        return f"time limit: over {time_limit:.0f}s"
    loser = None if winner is None else seats[1 - winner]
    if loser is not None and loser.log.forfeited:
        return f"forfeit: {loser.agent} failed {loser.log.failures} decisions"
    return "tie" if winner is None else "normal"
