"""Glicko-1, as Showdown's ladder rates: what a ladder rating would be for the same games."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from arena.rating.stats import Outcome

GLICKO_START = (1500.0, 130.0)  # a new account on Showdown's ladder: rating, deviation
GLICKO_MIN_DEVIATION = 25.0  # Showdown's floor, so a rating never freezes
GLICKO_Q = np.log(10) / 400


@dataclass(frozen=True)
class Glicko:
    """A Glicko-1 rating and its deviation, with the GXE Showdown derives from them."""

    rating: float
    deviation: float

    @property
    def gxe(self) -> float:
        """The chance, in percent, of beating a random player of Showdown's ladder
        (1500 ± 350), as Showdown's ladder computes it."""
        spread = np.sqrt(
            3 * np.log(10) ** 2 * self.deviation**2 + 2500 * (64 * np.pi**2 + 147 * np.log(10) ** 2)
        )
        return float(100 / (1 + 10 ** ((1500 - self.rating) * np.pi / spread)))


def glicko_period(player: Glicko, games: Sequence[tuple[Glicko, float]]) -> Glicko:
    """Glickman's Glicko-1 update over one rating period of (opponent, score) games."""
    if not games:
        return player
    g = np.array([1 / np.sqrt(1 + 3 * GLICKO_Q**2 * o.deviation**2 / np.pi**2) for o, _ in games])
    gap = np.array([player.rating - o.rating for o, _ in games])
    expected = 1 / (1 + 10 ** (-g * gap / 400))
    scores = np.array([score for _, score in games])
    d2 = 1 / (GLICKO_Q**2 * (g**2 * expected * (1 - expected)).sum())
    precision = 1 / player.deviation**2 + 1 / d2
    rating = player.rating + GLICKO_Q / precision * (g * (scores - expected)).sum()
    return Glicko(float(rating), float(max(np.sqrt(1 / precision), GLICKO_MIN_DEVIATION)))


def glicko(outcomes: Sequence[Outcome]) -> dict[str, Glicko]:
    """Glicko-1 over games in the order they were played, each game its own rating period
    (a ladder rates as games end), both players updated from their ratings before it."""
    ratings: dict[str, Glicko] = {}
    start = Glicko(*GLICKO_START)
    for o in outcomes:
        a, b = ratings.get(o.a, start), ratings.get(o.b, start)
        ratings[o.a] = glicko_period(a, [(b, o.score)])
        ratings[o.b] = glicko_period(b, [(a, 1 - o.score)])
    return ratings
