"""The gate's alarms on constructed counts: one definition for the promotion gate and the
trainer's epochs."""

import pytest

from arena.gate.alarms import regressed, saturated
from arena.rating.stats import rate_difference, wilson
from arena.training.learn.gauntlet import flag


def test_rate_difference_is_newcombes_interval():
    # Newcombe (1998), table II, example (a): 56/70 against 48/80.
    difference, low, high = rate_difference(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert (low, high) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert rate_difference(3, 0, 1, 4) == (0.0, -1.0, 1.0)


def test_regression_needs_the_whole_interval_below_zero():
    assert regressed(10, 40, 30, 40)
    assert not regressed(17, 40, 23, 40)  # within chance
    assert not regressed(30, 40, 10, 40)  # better
    assert regressed(0, 4, 4, 4)  # even on four games, none won after all won
    # Near 100% the normal test cries wolf on a single lost game; the score interval does not.
    assert not regressed(19, 20, 20, 20)
    assert regressed(80, 100, 100, 100)


def test_saturation_needs_the_rate_and_the_lower_bound():
    assert saturated(36, 36) and wilson(36, 36)[0] >= 0.90
    assert not saturated(35, 36)  # 97%, but the lower bound is under 90%
    assert not saturated(94, 100) and saturated(98, 100)
    assert not saturated(0, 0)


def _row(wins: int, games: int) -> dict:
    low, high = wilson(wins, games)
    return {
        "games": games,
        "win_rate": wins / games,
        "low": low,
        "high": high,
        "invalid_rate": 0.0,
        "fallback_rate": 0.0,
    }


def test_the_trainer_flags_a_regression_by_the_gates_definition():
    """12 of 20 after 18 of 20 at epoch 0: the Wilson intervals overlap, the gate's test
    calls it a regression, and the trainer now agrees with the gate."""
    now, before = _row(12, 20), _row(18, 20)
    assert now["high"] >= before["low"]  # the old, non-overlap rule saw nothing
    flagged = flag({"grunt": now}, {"grunt": before})
    assert flagged["grunt"]["regression"] == regressed(12, 20, 18, 20) is True
    assert flag({"grunt": _row(17, 20)}, {"grunt": before})["grunt"]["regression"] is False
