"""Win-rate intervals, pair counts and the SPRT on known cases."""

import pytest

from arena.stats import (
    Outcome,
    elo_from_score,
    pentanomial,
    score_from_elo,
    sprt,
    wilson,
    win_rate_matrix,
)


def test_wilson_known_values():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(0, 10)[0] == 0 and wilson(10, 10)[1] == 1
    assert wilson(0, 0) == (0.0, 1.0)


def test_elo_and_score_are_inverse():
    assert score_from_elo(0) == 0.5
    assert elo_from_score(score_from_elo(123.0)) == pytest.approx(123.0)
    assert score_from_elo(400) == pytest.approx(10 / 11)


def _pairs(a, b, pair_scores):
    """Outcomes of side-swapped pairs with the given pair scores for `a` (0..2)."""
    outcomes = []
    for unit, score in enumerate(pair_scores):
        first = min(score, 1.0)
        outcomes.append(Outcome(a, b, first, (unit,)))
        outcomes.append(Outcome(b, a, 1 - (score - first), (unit,)))
    return outcomes


def test_pentanomial_counts_complete_pairs_only():
    outcomes = _pairs("x", "y", [0, 0.5, 1, 1, 1.5, 2, 2, 2])
    outcomes.append(Outcome("x", "y", 1.0, ("unfinished",)))
    assert pentanomial(outcomes, "x", "y") == (1, 1, 2, 1, 3)
    assert pentanomial(outcomes, "y", "x") == (3, 1, 2, 1, 1)


def test_sprt_decides_clear_cases_and_waits_on_little_data():
    better = sprt((1, 5, 20, 40, 60), elo0=0, elo1=10)
    assert better.decision == "H1" and better.llr > 0
    worse = sprt((40, 40, 60, 10, 5), elo0=0, elo1=10)
    assert worse.decision == "H0" and worse.llr < 0
    assert sprt((0, 1, 1, 1, 0), elo0=0, elo1=10).decision == "continue"
    assert sprt((0, 0, 0, 0, 0), 0, 10).llr == 0


def test_win_rate_matrix_is_consistent_both_ways():
    outcomes = _pairs("x", "y", [2, 2, 1.5, 0.5])
    cells = win_rate_matrix(outcomes)
    xy, yx = cells["x", "y"], cells["y", "x"]
    assert (xy.wins, xy.losses, xy.ties, xy.games) == (5, 1, 2, 8)
    assert (xy.wins, xy.losses, xy.ties) == (yx.losses, yx.wins, yx.ties)
    assert xy.rate == pytest.approx(6 / 8) and xy.low < xy.rate < xy.high
