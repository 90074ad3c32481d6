"""Matchmaking: which agents meet, on which teams, in what order.

A schedule is a pure function of the tournament's config and team pool, so a resumed
tournament rebuilds exactly the same games and skips those the store already holds.
Pair k of every pairing uses the same two teams (like a shared opening book), and the
order interleaves pairings pair by pair, so a stopped tournament has balanced results.
"""

import hashlib
from dataclasses import dataclass
from itertools import combinations

from arena.errors import ArenaError
from arena.game.teams import Team, TeamPool

MODES = ("round-robin", "gauntlet")


@dataclass(frozen=True)
class Slot:
    """One scheduled game: in game 0 `a` challenges with teams[0]; in game 1 `b` does."""

    pairing: str
    a: str
    b: str
    pair_index: int
    game: int
    teams: tuple[Team | None, Team | None]

    @property
    def key(self) -> tuple[str, int, int]:
        return self.pairing, self.pair_index, self.game

    def battle_seed(self, run_seed: int) -> str:
        """The simulator's seed for this game: the run's seed and the slot, nothing else,
        so the same tournament replays the same battles (Showdown's `sodium` PRNG form)."""
        text = f"{run_seed}|{self.pairing}|{self.pair_index}|{self.game}"
        return "sodium," + hashlib.sha256(text.encode()).hexdigest()

    def seating(self) -> tuple[tuple[str, Team | None], tuple[str, Team | None]]:
        """(challenger, its team), (accepter, its team): the first team goes to the
        challenger, so each agent plays both teams of the pair, one from each side."""
        first, second = (self.a, self.b) if self.game == 0 else (self.b, self.a)
        return (first, self.teams[0]), (second, self.teams[1])


def pairings(names: list[str], mode: str, candidate: str | None) -> list[tuple[str, str]]:
    if mode not in MODES:
        raise ArenaError(f"unknown --mode {mode!r}: use round-robin or gauntlet")
    if len(names) < 2:
        raise ArenaError("a tournament needs at least two agents")
    if mode == "round-robin":
        return list(combinations(names, 2))
    if candidate is None:
        raise ArenaError("--mode gauntlet needs --candidate AGENT")
    if candidate not in names:
        raise ArenaError(f"--candidate {candidate!r} is not one of the agents: {', '.join(names)}")
    return [(candidate, other) for other in names if other != candidate]


def check_even(games: int, flag: str) -> None:
    if games <= 0 or games % 2:
        raise ArenaError(
            f"{flag} must be a positive even number (games come in side-swapped pairs), got {games}"
        )


def build(
    matchups: list[tuple[str, str]], games_per_pair: int, pool: TeamPool | None, seed: int
) -> list[Slot]:
    pair_count = games_per_pair // 2
    teams = pool.pairs(pair_count, seed) if pool else [(None, None)] * pair_count
    slots = []
    for pair_index, (team_x, team_y) in enumerate(teams):
        for a, b in matchups:
            for game in (0, 1):
                slots.append(Slot(f"{a} vs {b}", a, b, pair_index, game, (team_x, team_y)))
    return slots
