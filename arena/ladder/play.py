"""Ladder play: search, play each game to its end, search again until N games are done.

One player searches at a time (Showdown allows one search per format) and keeps up to
`concurrency` games going. After each rated game the rating the server announces for the
player is read from the battle's log, and the account's row of the server's own ladder
table (`laddertop`: Elo, and where the server shows them Glicko-1, GXE, Skill Rating).
Setting `stop` cancels the search in progress and lets the games in flight finish;
`forfeit_all` concedes them.
"""

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from poke_env.data import to_id_str

from arena.errors import ArenaError
from arena.game.battle import GameRecord, Seat
from arena.game.player import ArenaPlayer, BattleLog
from arena.game.teams import Team, TeamPool
from arena.kinds import EndReason
from arena.showdown.laddertop import ServerStanding, parse

RATING = re.compile(
    r"^\|raw\|(?P<name>.+?)'s rating: (?P<before>\d+) &rarr; <strong>(?P<after>\d+)</strong>"
)
RATING_WAIT = 30.0  # the most seconds to wait for a rated game's rating message
LATE_MATCH_WAIT = 2.0  # a match may still start just after a search is cancelled


class LadderRefused(ArenaError):
    """The server refused a search (format not offered, team rejected, ...)."""


class ConnectionLost(ArenaError):
    """The connection to the server ended while searching or playing."""


@dataclass
class LadderGame:
    record: GameRecord
    opponent: str
    rating_before: float | None
    rating_after: float | None
    standing: ServerStanding | None = None  # the server's ladder row for the account, after it

    @property
    def won(self) -> bool | None:
        if self.record.winner is None:
            return None
        return self.record.seats[self.record.winner].agent != self.opponent


def rating_change(lines: list[str], username: str) -> tuple[float, float] | None:
    for line in lines:
        match = RATING.match(line)
        if match and match["name"] == username:
            return float(match["before"]), float(match["after"])
    return None


class LadderSession:
    def __init__(
        self,
        player: ArenaPlayer,
        agent: str,
        battle_format: str,
        pool: TeamPool | None,
        games: int,
        concurrency: int = 1,
        search_delay: float = 0.0,
        seed: int = 0,
        on_game: Callable[[LadderGame], Awaitable[None]] | None = None,
    ):
        self.player, self.agent, self.format, self.pool = player, agent, battle_format, pool
        self.games, self.concurrency, self.search_delay = games, concurrency, search_delay
        self.rng, self.on_game = random.Random(seed), on_game
        player.hold_rooms = True  # the rating message comes after the battle's end
        self.stop = asyncio.Event()
        self.started = 0
        self.abandoned = 0
        self._in_flight: dict[str, asyncio.Task] = {}
        self._games: list[asyncio.Task] = []  # all of them, so no failure goes unseen

    async def run(self) -> None:
        while self.started < self.games and not self.stop.is_set():
            while len(self._in_flight) >= self.concurrency:
                await asyncio.wait(self._in_flight.values(), return_when=asyncio.FIRST_COMPLETED)
            if self.stop.is_set():
                break
            team = self.rng.choice(self.pool.teams) if self.pool else None
            battle = await self._search(team)
            if battle is None:
                break
            self.started += 1
            task = asyncio.create_task(self._finish(battle, team, time.perf_counter()))
            self._in_flight[battle.battle_tag] = task
            self._games.append(task)
            task.add_done_callback(lambda _t, tag=battle.battle_tag: self._in_flight.pop(tag))
            if self.search_delay:
                await asyncio.sleep(self.search_delay)
        await asyncio.gather(*self._games)
        if self.abandoned:
            raise ConnectionLost(
                f"the connection to the server was lost{self._last_word()}: "
                f"{self.abandoned} game(s) recorded as abandoned",
                1,
            )

    def _last_word(self) -> str:
        """The server's last popup before the connection ended, if it sent one: a server
        that lets a second login take the name over says so to the first."""
        said = None
        while not self.player.refusals.empty():
            said = self.player.refusals.get_nowait()
        return f" (the server said: {said})" if said else ""

    async def forfeit_all(self) -> None:
        for tag in list(self._in_flight):
            await self.player.forfeit(tag)

    async def _search(self, team: Team | None):
        """The battle a search found, or None when `stop` came first."""
        player = self.player
        while not player.refusals.empty():  # old popups say nothing about this search
            player.refusals.get_nowait()
        started = player.expect_battle()
        await player.ps_client.search_ladder_game(self.format, team.packed if team else None)
        refusal = asyncio.ensure_future(player.refusals.get())
        stopping = asyncio.ensure_future(self.stop.wait())
        closed = player.disconnected()
        done, _ = await asyncio.wait(
            {started, refusal, stopping, closed}, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in (refusal, stopping, closed):
            waiter.cancel()
        if started in done:
            return started.result()
        if refusal in done and not refusal.cancelled():
            raise LadderRefused(f"the server refused the search: {refusal.result()}", 1)
        if closed in done:
            raise ConnectionLost(
                f"the connection to the server was lost while searching{self._last_word()}", 1
            )
        await player.ps_client.send_message(f"/cancelsearch {self.format}")
        try:
            return await asyncio.wait_for(asyncio.shield(started), LATE_MATCH_WAIT)
        except TimeoutError:
            return None

    async def _finish(self, battle, team: Team | None, clock: float) -> None:
        player = self.player
        ending = asyncio.ensure_future(player.finished(battle.battle_tag))
        closed = player.disconnected()
        await asyncio.wait({ending, closed}, return_when=asyncio.FIRST_COMPLETED)
        closed.cancel()
        lost = not ending.done()
        if lost:  # Showdown keeps the game for a while, but this player cannot rejoin it
            ending.cancel()
            self.abandoned += 1
            self.stop.set()
        ratings = standing = None
        if not lost:
            ratings = await self._rating(battle.battle_tag)
            if ratings:
                standing = await self._standing()
            await player.leave(battle.battle_tag)
        log = player.forget(battle.battle_tag)
        opponent = battle.opponent_username
        mine = Seat(self.agent, team.name if team else None, log)
        theirs = Seat(opponent, None, BattleLog(choices=None))  # not played by arena
        seats = (mine, theirs) if battle.player_role == "p1" else (theirs, mine)
        winner = None
        if battle.won is not None and not lost:
            winner = seats.index(mine) if battle.won else seats.index(theirs)
        reason = EndReason.TIE if winner is None else EndReason.NORMAL
        if lost:
            reason = EndReason.ABANDONED.text("connection to the server lost")
        record = GameRecord(
            battle_tag=battle.battle_tag,
            seats=seats,
            winner=winner,
            turns=battle.turn,
            duration=time.perf_counter() - clock,
            end_reason=reason,
        )
        before, after = ratings or (None, None)
        if self.on_game:
            await self.on_game(LadderGame(record, opponent, before, after, standing))

    async def _standing(self) -> ServerStanding | None:
        """The account's row of the server's ladder table; None where the server keeps
        no table (a ladder run by a login server answers null) or does not answer."""
        username = self.player.username
        try:
            answer = await self.player.query("laddertop", f"{self.format}, {to_id_str(username)}")
        except ArenaError:
            return None
        if not isinstance(answer, list) or len(answer) < 2:
            return None
        return parse(answer[1], username)

    async def _rating(self, tag: str) -> tuple[float, float] | None:
        """The server's rating message for this player in a rated game; it trails the
        game's end by as long as the server takes to update its ladder."""
        lines = self.player.arena_logs[tag].lines
        if not any(line.startswith("|rated|") for line in lines):
            return None
        deadline = time.monotonic() + RATING_WAIT
        while True:
            found = rating_change(lines, self.player.username)
            if found or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.1)
