"""One game between two arena players, started by a transport, and its record.

How a battle starts (a challenge on a server, or a simulator host) is the transport's
business (`arena.game.transport`); a game only watches both sides to the end, or to its time
limit, and takes its record.
"""

import asyncio
import contextlib
import time
from dataclasses import dataclass

from arena.game.player import ArenaPlayer, BattleLog
from arena.game.teams import Team
from arena.kinds import EndReason
from arena.showdown.host import HostDied

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
    seed: str | None = None  # the simulator's seed, when the transport chose it

    def winner_name(self) -> str | None:
        return None if self.winner is None else self.seats[self.winner].agent


async def play_game(
    challenger: Entrant,
    accepter: Entrant,
    battle_format: str,
    transport,
    pair: int | None = None,
    time_limit: float | None = None,
    seed: str | None = None,
) -> GameRecord:
    """Plays one game to its end (or to `time_limit` seconds) and returns its record.

    A game over its wall-clock limit is ended by both sides forfeiting and is recorded
    with no winner: the server's verdict there says who typed first, not who played
    better. Both players forget the battle once its record is taken. A game whose
    simulator host died raises `HostDied` and leaves no record: it was not played.
    """
    clock = time.perf_counter()
    battle_c, battle_a = await transport.start(challenger, accepter, battle_format, seed)
    tag = battle_c.battle_tag
    ends = asyncio.gather(challenger.player.finished(tag), accepter.player.finished(tag))
    timed_out = False
    try:
        await asyncio.wait_for(transport.watch(tag, ends), time_limit)
    except TimeoutError:
        timed_out = True
        await _end_abandoned(challenger, battle_c, accepter, battle_a)
    except HostDied:
        challenger.player.forget(tag)
        accepter.player.forget(tag)
        raise
    finally:
        transport.release(tag)
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
        seed=seed if transport.seeded else None,
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
        return EndReason.TIME_LIMIT.text(f"over {time_limit:.0f}s")
    loser = None if winner is None else seats[1 - winner]
    if loser is not None and loser.log.forfeited:
        return EndReason.FORFEIT.text(f"{loser.agent} failed {loser.log.failures} decisions")
    return EndReason.TIE if winner is None else EndReason.NORMAL
