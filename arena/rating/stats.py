"""Statistics over game outcomes: win-rate intervals, Elo conversions and pair
(pentanomial) counts; the promotion gate's test on those counts lives in `sprt`.

Games come in side-swapped pairs on the same two teams, so the pair is the unit: the two
games of one pair are not independent (the teams decide a lot), two pairs are. Everything
here takes plain data so the callers decide where outcomes come from.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

PAIR_SCORES = (0.0, 0.25, 0.5, 0.75, 1.0)  # per-game score of each pentanomial bucket
REGULARISER = 1e-3  # stands in for empty buckets, as fishtest does, so the variance is > 0


@dataclass(frozen=True)
class Outcome:
    """One finished game between agents a and b, from a's point of view."""

    a: str
    b: str
    score: float  # 1.0 a won, 0.0 b won, 0.5 tie
    unit: tuple  # the statistical unit: both games of a side-swapped pair share it


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a rate; unlike the normal interval it stays inside [0, 1]
    and keeps a sensible width near 0% and 100%. Ties count as half a success."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    scale = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_difference(
    successes_a: float, n_a: int, successes_b: float, n_b: int, z: float = 1.96
) -> tuple[float, float, float]:
    """Rate a minus rate b and its interval by Newcombe's hybrid score method (his method
    10), built from the two Wilson intervals: it keeps their good behaviour near 0% and
    100% and on few games, where the normal (Wald or pooled z) difference misleads."""
    if not n_a or not n_b:
        return 0.0, -1.0, 1.0
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson(successes_a, n_a, z)
    low_b, high_b = wilson(successes_b, n_b, z)
    difference = rate_a - rate_b
    low = difference - math.hypot(rate_a - low_a, high_b - rate_b)
    high = difference + math.hypot(high_a - rate_a, rate_b - low_b)
    return difference, low, high


def score_from_elo(elo: float) -> float:
    """Expected score of a player `elo` points stronger (logistic, 400 scale)."""
    return 1 / (1 + 10 ** (-elo / 400))


def elo_from_score(score: float) -> float:
    """Elo difference implied by an expected score; clamped so 0% and 100% stay finite."""
    score = min(max(score, 1e-9), 1 - 1e-9)
    return -400 * math.log10(1 / score - 1)


def pentanomial(outcomes: Iterable[Outcome], a: str, b: str) -> tuple[int, int, int, int, int]:
    """Counts of `a`'s pair scores 0, 0.5, 1, 1.5, 2 against `b`.

    Only complete pairs count: a lone game of an unfinished pair would bring back the
    side and team bias that pairing exists to cancel.
    """
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
    return counts[0], counts[1], counts[2], counts[3], counts[4]


@dataclass(frozen=True)
class Cell:
    """One agent's record against one opponent, with a Wilson interval on its rate so a
    handful of games does not read as a verdict."""

    wins: int
    losses: int
    ties: int
    games: int
    rate: float
    low: float
    high: float


def win_rate_matrix(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], Cell]:
    """Each ordered (agent, opponent) that met, keyed both ways so a table can be read
    from either side."""
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in outcomes:
        for me, other, score in ((o.a, o.b, o.score), (o.b, o.a, 1 - o.score)):
            tally[me, other][0 if score == 1 else 1 if score == 0 else 2] += 1
    return matrix_cells(tally)


def matrix_cells(counts: dict[tuple[str, str], list[int]]) -> dict[tuple[str, str], Cell]:
    """Cells from each ordered (agent, opponent)'s [wins, losses, ties]."""
    cells = {}
    for key, (wins, losses, ties) in counts.items():
        games = wins + losses + ties
        points = wins + ties / 2
        cells[key] = Cell(wins, losses, ties, games, points / games, *wilson(points, games))
    return cells
