"""Ratings: TrueSkill for the live leaderboard, Bradley–Terry for the final table.

TrueSkill moves battle by battle and ranks by the conservative `mu - 3*sigma`, so a
lucky newcomer does not top the live view. Bradley–Terry is the maximum-likelihood fit
of the whole history, on an Elo scale with intervals from a bootstrap over side-swapped
pairs (the statistical unit).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import trueskill

from arena.stats import Outcome

ELO_PER_NAT = 400 / np.log(10)


@dataclass(frozen=True)
class TrueSkillRow:
    name: str
    mu: float
    sigma: float
    conservative: float
    games: int


class LiveRatings:
    """TrueSkill ratings updated one game at a time, in the order games finish."""

    def __init__(self, draw_probability: float = 0.02):
        self.env = trueskill.TrueSkill(draw_probability=draw_probability)
        self.ratings: dict[str, trueskill.Rating] = {}
        self.games: dict[str, int] = {}

    def update(self, outcome: Outcome) -> None:
        a = self.ratings.get(outcome.a, self.env.create_rating())
        b = self.ratings.get(outcome.b, self.env.create_rating())
        if outcome.score == 0.5:
            a, b = trueskill.rate_1vs1(a, b, drawn=True, env=self.env)
        elif outcome.score > 0.5:
            a, b = trueskill.rate_1vs1(a, b, env=self.env)
        else:
            b, a = trueskill.rate_1vs1(b, a, env=self.env)
        self.ratings[outcome.a], self.ratings[outcome.b] = a, b
        for name in (outcome.a, outcome.b):
            self.games[name] = self.games.get(name, 0) + 1

    def table(self) -> list[TrueSkillRow]:
        rows = [
            TrueSkillRow(name, r.mu, r.sigma, r.mu - 3 * r.sigma, self.games[name])
            for name, r in self.ratings.items()
        ]
        return sorted(rows, key=lambda row: row.conservative, reverse=True)


@dataclass(frozen=True)
class BTRating:
    elo: float
    low: float
    high: float


def _unit_tables(outcomes: Sequence[Outcome], names: list[str]):
    """Per unit, flattened N x N tables of points scored and games played."""
    index = {name: k for k, name in enumerate(names)}
    units = {unit: k for k, unit in enumerate(dict.fromkeys(o.unit for o in outcomes))}
    n = len(names)
    points = np.zeros((len(units), n * n))
    games = np.zeros((len(units), n * n))
    for o in outcomes:
        u, i, j = units[o.unit], index[o.a], index[o.b]
        points[u, i * n + j] += o.score
        points[u, j * n + i] += 1 - o.score
        games[u, i * n + j] += 1
        games[u, j * n + i] += 1
    return points, games


def _fit(points: np.ndarray, games: np.ndarray, prior: float, iterations: int = 2000):
    """Minorise–maximise (Hunter 2004) on a batch of B fits at once.

    points, games: (B, N, N). The prior is `prior` virtual games, split evenly, against
    a fixed reference of strength 1: it keeps every strength finite (a perfect record,
    a disconnected field) and pins the scale, at the cost of a slight pull to the mean.
    Returns log-strengths, shape (B, N).
    """
    wins = points.sum(axis=2) + prior / 2
    strength = np.ones(wins.shape)
    for _ in range(iterations):
        pair_sum = strength[:, :, None] + strength[:, None, :]
        denominator = (games / pair_sum).sum(axis=2) + prior / (strength + 1)
        updated = wins / denominator
        if np.max(np.abs(np.log(updated) - np.log(strength))) < 1e-7:
            strength = updated
            break
        strength = updated
    return np.log(strength)


def _to_elo(log_strength: np.ndarray, names: list[str], anchor: str | None) -> np.ndarray:
    elo = log_strength * ELO_PER_NAT
    if anchor in names:
        return elo - elo[..., [names.index(anchor)]] + 1000
    return elo - elo.mean(axis=-1, keepdims=True) + 1500


def bradley_terry(
    outcomes: Sequence[Outcome],
    anchor: str | None = "random",
    bootstrap: int = 1000,
    seed: int = 0,
    prior: float = 1.0,
) -> dict[str, BTRating]:
    """Elo-scale Bradley–Terry ratings with percentile bootstrap 95% intervals.

    Ties count half a win to each side. `anchor` is fixed at 1000 when present,
    otherwise the ratings average 1500. The bootstrap resamples units (pairs) with
    replacement, seeded, so the same history gives the same intervals.
    """
    names = sorted({o.a for o in outcomes} | {o.b for o in outcomes})
    if not names:
        return {}
    n = len(names)
    points, games = _unit_tables(outcomes, names)
    point = _to_elo(
        _fit(points.sum(0).reshape(1, n, n), games.sum(0).reshape(1, n, n), prior)[0],
        names,
        anchor,
    )
    low, high = point, point
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        units = points.shape[0]
        counts = rng.multinomial(units, np.full(units, 1 / units), size=bootstrap)
        samples = _to_elo(
            _fit((counts @ points).reshape(-1, n, n), (counts @ games).reshape(-1, n, n), prior),
            names,
            anchor,
        )
        low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    return {
        name: BTRating(float(point[k]), float(min(low[k], point[k])), float(max(high[k], point[k])))
        for k, name in enumerate(names)
    }
