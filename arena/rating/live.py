"""The live leaderboard: TrueSkill ratings updated game by game while a tournament runs.

TrueSkill moves with every game and ranks by the conservative `mu - 3*sigma`, so a lucky
newcomer does not top the live view; the final table is Bradley–Terry's (`ratings`).
"""

import math
from dataclasses import dataclass

import trueskill

from arena.rating.stats import Outcome


@dataclass(frozen=True)
class Row:
    """One agent on the live leaderboard; `conservative` is what it is ranked by."""

    name: str
    mu: float
    sigma: float
    conservative: float
    games: int


class LiveRatings:
    """TrueSkill ratings updated one game at a time, in the order games finish, so the
    leaderboard can be shown while a tournament runs.

    A 1-vs-1 game's factor graph has a closed form (Herbrich, Minka & Graepel 2006, eq.
    for two players): one truncated-Gaussian step on the performance difference, with the
    `trueskill` package's own v and w functions and draw margin, so the numbers are the
    package's `rate_1vs1` at a fraction of its cost (a report replays every stored game).
    """

    def __init__(self, draw_probability: float = 0.02) -> None:
        # Showdown ties are rare, hence the small default.
        self.env = trueskill.TrueSkill(draw_probability=draw_probability)
        self.draw_margin = trueskill.calc_draw_margin(draw_probability, 2, self.env)
        self.start = (self.env.mu, self.env.sigma)
        self.tau2, self.beta2 = self.env.tau**2, self.env.beta**2
        self.ratings: dict[str, tuple[float, float]] = {}  # mu, sigma
        self.games: dict[str, int] = {}

    def update(self, outcome: Outcome) -> None:
        self.play(outcome.a, outcome.b, outcome.score)

    def play(self, a: str, b: str, score: float) -> None:
        """`a` scored `score` against `b`."""
        ratings = self.ratings
        first, second = ratings.get(a, self.start), ratings.get(b, self.start)
        if score < 0.5:
            ratings[b], ratings[a] = self._duel(second, first, drawn=False)
        else:
            ratings[a], ratings[b] = self._duel(first, second, drawn=score == 0.5)
        self.games[a] = self.games.get(a, 0) + 1
        self.games[b] = self.games.get(b, 0) + 1

    def _duel(self, first: tuple, second: tuple, drawn: bool) -> tuple[tuple, tuple]:
        """Both (mu, sigma) after `first` beat (or drew with) `second`."""
        env = self.env
        (mu_first, sigma_first), (mu_second, sigma_second) = first, second
        var_first = sigma_first**2 + self.tau2  # the dynamics factor, before the game
        var_second = sigma_second**2 + self.tau2
        c2 = var_first + var_second + 2 * self.beta2
        c = math.sqrt(c2)
        t, margin = (mu_first - mu_second) / c, self.draw_margin / c
        v = (env.v_draw if drawn else env.v_win)(t, margin)
        w = (env.w_draw if drawn else env.w_win)(t, margin)
        return (
            (mu_first + var_first / c * v, math.sqrt(var_first * (1 - var_first / c2 * w))),
            (mu_second - var_second / c * v, math.sqrt(var_second * (1 - var_second / c2 * w))),
        )

    def table(self) -> list[Row]:
        """Best first by `mu - 3*sigma`: an agent must prove itself to climb."""
        rows = [
            Row(name, mu, sigma, mu - 3 * sigma, self.games[name])
            for name, (mu, sigma) in self.ratings.items()
        ]
        return sorted(rows, key=lambda row: row.conservative, reverse=True)
