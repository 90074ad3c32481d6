"""A match: two agents, N games as side-swapped pairs, nothing stored (`arena battle`).

It plays with the one `PlaySettings` (the `battle` section's defaults where it names
none) through the tournaments' runner; its schedule is the one pairing, on a team pool
the caller has loaded once (the benchmarks play many matches on one).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from arena.game.battle import GameRecord
from arena.game.teams import TeamPool
from arena.matchmaking.runner import play_slots, players_for
from arena.matchmaking.schedule import build, check_even
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import AgentSpec


@dataclass
class MatchResult:
    names: tuple[str, str]
    games: list[GameRecord]
    elapsed: float

    def score(self) -> tuple[int, int, int]:
        """Wins of the first agent, wins of the second, ties."""
        winners = [game.winner_name() for game in self.games]
        wins = tuple(winners.count(name) for name in self.names)
        return wins[0], wins[1], winners.count(None)

    @property
    def mean_turns(self) -> float:
        return sum(g.turns for g in self.games) / max(len(self.games), 1)

    @property
    def battles_per_second(self) -> float:
        return len(self.games) / self.elapsed if self.elapsed else 0.0


def display_names(a: AgentSpec, b: AgentSpec) -> tuple[str, str]:
    return (a.name, b.name) if a.name != b.name else (f"{a.name}#1", f"{b.name}#2")


async def play_match(
    a: AgentSpec,
    b: AgentSpec,
    *,
    transport,
    battle_format: str,
    pool: TeamPool | None,
    games: int,
    concurrency: int,
    seed: int,
    on_game: Callable[[GameRecord], None] | None = None,
) -> MatchResult:
    check_even(games, "--games")
    names = display_names(a, b)
    slots = build([names], games, pool, seed)
    settings = PlaySettings.defaults(
        "battle", format=battle_format, concurrency=concurrency, seed=seed
    )
    records: list[GameRecord] = []

    async def collect(_slot, record: GameRecord) -> None:
        records.append(record)
        if on_game:
            on_game(record)

    async with players_for(dict(zip(names, (a, b), strict=True)), transport, settings) as players:
        clock = time.perf_counter()
        await play_slots(slots, players, settings, collect, transport=transport)
        elapsed = time.perf_counter() - clock
    return MatchResult(names, records, elapsed)
