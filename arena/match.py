"""A match: two agents, N games as side-swapped pairs on the same two teams.

Game 2k has A challenge with team X against B with team Y; game 2k+1 swaps who
challenges (and so who sits on which side) while the team X stays with the side that
challenges, so each agent plays both teams, one from each side. Statistics count a pair as
one unit; games run up to `concurrency` at a time, scheduled pair by pair.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from arena.errors import ArenaError
from arena.game import Entrant, GameRecord, play_game
from arena.player import close, spawn
from arena.teams import TeamPool
from models.registry import AgentSpec


@dataclass
class MatchResult:
    names: tuple[str, str]
    games: list[GameRecord]
    elapsed: float

    def score(self) -> tuple[int, int, int]:
        """Wins of the first agent, wins of the second, ties."""
        wins = [0, 0]
        ties = 0
        for game in self.games:
            name = game.winner_name()
            if name is None:
                ties += 1
            else:
                wins[self.names.index(name)] += 1
        return wins[0], wins[1], ties

    @property
    def mean_turns(self) -> float:
        return sum(g.turns for g in self.games) / max(len(self.games), 1)

    @property
    def battles_per_second(self) -> float:
        return len(self.games) / self.elapsed if self.elapsed else 0.0


def display_names(a: AgentSpec, b: AgentSpec) -> tuple[str, str]:
    return (a.name, b.name) if a.name != b.name else (f"{a.name}#1", f"{b.name}#2")


def check_games(games: int) -> None:
    if games <= 0 or games % 2:
        raise ArenaError(
            f"--games must be a positive even number (games come in pairs), got {games}"
        )


async def play_match(
    a: AgentSpec,
    b: AgentSpec,
    *,
    websocket_url: str,
    battle_format: str,
    pool: TeamPool | None,
    games: int,
    concurrency: int,
    seed: int,
    on_game: Callable[[GameRecord], None] | None = None,
) -> MatchResult:
    check_games(games)
    names = display_names(a, b)
    players = await asyncio.gather(
        spawn(a, websocket_url, battle_format), spawn(b, websocket_url, battle_format)
    )
    pairs = pool.pairs(games // 2, seed) if pool else [(None, None)] * (games // 2)
    slots = asyncio.Semaphore(concurrency)
    records: list[GameRecord] = []

    async def one(challenger: Entrant, accepter: Entrant, pair: int) -> None:
        async with slots:
            record = await play_game(challenger, accepter, battle_format, pair)
        records.append(record)
        if on_game:
            on_game(record)

    clock = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as group:
            for pair, (team_x, team_y) in enumerate(pairs):
                first = [
                    Entrant(n, p, t)
                    for n, p, t in zip(names, players, (team_x, team_y), strict=True)
                ]
                second = [
                    Entrant(n, p, t)
                    for n, p, t in zip(names, players, (team_y, team_x), strict=True)
                ]
                group.create_task(one(first[0], first[1], pair))
                group.create_task(one(second[1], second[0], pair))
    finally:
        await asyncio.gather(*(close(p) for p in players), return_exceptions=True)
    return MatchResult(names, records, time.perf_counter() - clock)
