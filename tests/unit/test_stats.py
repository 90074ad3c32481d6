"""Win-rate intervals, Elo conversions and pair counts on cases with known answers."""

import math

import pytest

from arena.rating.stats import (
    Outcome,
    elo_from_score,
    pentanomial,
    score_from_elo,
    wilson,
    win_rate_matrix,
)


def _pairs(a: str, b: str, pair_scores: list[float], tag: str = "") -> list[Outcome]:
    """Side-swapped pairs with the given pair scores (0..2) for `a`, one unit each."""
    outcomes = []
    for k, score in enumerate(pair_scores):
        first = min(score, 1.0)
        outcomes.append(Outcome(a, b, first, (tag, k)))
        outcomes.append(Outcome(b, a, 1 - (score - first), (tag, k)))
    return outcomes


def test_wilson_known_values():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_wilson_takes_half_successes_and_narrows_with_games():
    assert wilson(7.5, 10) == pytest.approx((0.4422, 0.9191), abs=1e-4)
    low_10, high_10 = wilson(8, 10)
    low_1000, high_1000 = wilson(800, 1000)
    assert low_10 < low_1000 < 0.8 < high_1000 < high_10


def test_elo_and_score_are_inverse():
    assert score_from_elo(0) == 0.5
    assert score_from_elo(400) == pytest.approx(10 / 11)
    assert score_from_elo(-400) == pytest.approx(1 / 11)
    assert elo_from_score(score_from_elo(123.0)) == pytest.approx(123.0)
    assert math.isfinite(elo_from_score(1.0)) and math.isfinite(elo_from_score(0.0))


def test_pentanomial_counts_complete_pairs_only():
    outcomes = _pairs("x", "y", [0, 0.5, 1, 1, 1.5, 2, 2, 2])
    outcomes.append(Outcome("x", "y", 1.0, ("unfinished",)))
    outcomes += _pairs("x", "z", [2, 2], tag="other opponent")
    assert pentanomial(outcomes, "x", "y") == (1, 1, 2, 1, 3)
    assert pentanomial(outcomes, "y", "x") == (3, 1, 2, 1, 1)
    assert pentanomial(outcomes, "y", "z") == (0, 0, 0, 0, 0)


def test_pentanomial_reads_ties_from_either_side():
    outcomes = [Outcome("x", "y", 0.5, ("u",)), Outcome("y", "x", 0.0, ("u",))]
    assert pentanomial(outcomes, "x", "y") == (0, 0, 0, 1, 0)


def test_win_rate_matrix_is_consistent_both_ways():
    outcomes = _pairs("x", "y", [2, 2, 1.5, 0.5]) + _pairs("y", "z", [1], tag="yz")
    cells = win_rate_matrix(outcomes)
    assert set(cells) == {("x", "y"), ("y", "x"), ("y", "z"), ("z", "y")}
    xy = cells["x", "y"]
    assert (xy.wins, xy.losses, xy.ties, xy.games) == (5, 1, 2, 8)
    for (a, b), cell in cells.items():
        other = cells[b, a]
        assert (cell.wins, cell.losses, cell.ties) == (other.losses, other.wins, other.ties)
        assert cell.rate == pytest.approx(1 - other.rate)
    assert xy.rate == pytest.approx(6 / 8) and xy.low < xy.rate < xy.high
    assert (xy.low, xy.high) == wilson(6, 8)
