"""Statistics over game outcomes: win-rate intervals, pair (pentanomial) counts and the
sequential probability ratio test that decides promotions.

Games come in side-swapped pairs on the same two teams, so the pair is the unit: two
games of one pair are not independent (the teams decide a lot), two pairs are.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One finished game between agents a and b, from a's point of view."""

    a: str
    b: str
    score: float  # 1.0 a won, 0.0 b won, 0.5 tie
    unit: tuple  # the side-swapped pair it belongs to


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval; honest near 0% and 100%, where the normal one is not."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def score_from_elo(elo: float) -> float:
    return 1 / (1 + 10 ** (-elo / 400))


def elo_from_score(score: float) -> float:
    score = min(max(score, 1e-9), 1 - 1e-9)
    return -400 * math.log10(1 / score - 1)


def pentanomial(outcomes: Iterable[Outcome], a: str, b: str) -> tuple[int, int, int, int, int]:
    """Counts of pair scores 0, 0.5, 1, 1.5, 2 for `a` over complete pairs against `b`."""
    pairs: dict[tuple, list[float]] = defaultdict(list)
    for o in outcomes:
        if (o.a, o.b) == (a, b):
            pairs[o.unit].append(o.score)
        elif (o.a, o.b) == (b, a):
            pairs[o.unit].append(1 - o.score)
    counts = [0] * 5
    for scores in pairs.values():
        if len(scores) == 2:
            counts[round(2 * sum(scores))] += 1
    return tuple(counts)


@dataclass(frozen=True)
class SprtResult:
    llr: float
    lower: float
    upper: float
    pairs: int

    @property
    def decision(self) -> str:
        if self.llr >= self.upper:
            return "H1"
        if self.llr <= self.lower:
            return "H0"
        return "continue"


def sprt(
    pent: tuple[int, ...], elo0: float, elo1: float, alpha: float = 0.05, beta: float = 0.05
) -> SprtResult:
    """Generalised SPRT on game pairs (as fishtest and fastchess run it).

    With per-game pair scores x_k in {0, 1/4, 1/2, 3/4, 1} (pair score / 2) and their
    empirical mean m and variance v over N pairs, and s0, s1 the expected scores of
    elo0 and elo1 (logistic Elo), the log-likelihood ratio is approximately
    LLR = N (s1 - s0) (2m - s0 - s1) / (2v). H1 (better by elo1) is accepted once
    LLR >= log((1 - beta) / alpha), H0 once LLR <= log(beta / (1 - alpha)).
    Counts are regularised by a tiny pseudo-count so v > 0 on all-equal data.
    """
    lower, upper = math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha)
    n = sum(pent)
    if n == 0:
        return SprtResult(0.0, lower, upper, 0)
    counts = [c + 1e-3 for c in pent]
    total = sum(counts)
    values = [k / 4 for k in range(5)]
    mean = sum(c * x for c, x in zip(counts, values, strict=True)) / total
    var = sum(c * (x - mean) ** 2 for c, x in zip(counts, values, strict=True)) / total
    s0, s1 = score_from_elo(elo0), score_from_elo(elo1)
    llr = n * (s1 - s0) * (2 * mean - s0 - s1) / (2 * var)
    return SprtResult(llr, lower, upper, n)


@dataclass(frozen=True)
class Cell:
    wins: int
    losses: int
    ties: int
    games: int
    rate: float
    low: float
    high: float


def win_rate_matrix(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], Cell]:
    """Each ordered (agent, opponent) that met: the agent's record and win rate."""
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in outcomes:
        for me, other, score in ((o.a, o.b, o.score), (o.b, o.a, 1 - o.score)):
            tally[me, other][0 if score == 1 else 1 if score == 0 else 2] += 1
    cells = {}
    for key, (wins, losses, ties) in tally.items():
        games = wins + losses + ties
        points = wins + ties / 2
        cells[key] = Cell(wins, losses, ties, games, points / games, *wilson(points, games))
    return cells
