"""The pentanomial SPRT: exact log-likelihood ratios checked by direct maximisation,
Elo estimates checked by plain arithmetic, and error rates and test lengths measured on
thousands of simulated tests with known true Elo."""

import numpy as np
import pytest

from arena.config import defaults
from tests.unit.test_sprt import (
    ALPHA,
    BETA,
    DRAW_RATIOS,
    ELO0,
    ELO1,
    TOLERANCE,
    _fixed_length,
    _simulate,
)


def test_error_rates_stay_within_alpha_and_beta(simulations):
    print(f"\n{'true Elo':>9} {'draws':>6} {'PROMOTE':>8} {'REJECT':>7} {'mean pairs':>11}")
    for (elo, draws), (decisions, lengths) in sorted(simulations.items()):
        promote, reject = np.mean(decisions == "H1"), np.mean(decisions == "H0")
        print(f"{elo:>9.0f} {draws:>6.1f} {promote:>8.3f} {reject:>7.3f} {lengths.mean():>11.1f}")
        assert np.all(decisions != "none"), "every simulated test must decide"
        if elo <= ELO0:
            assert promote <= ALPHA + TOLERANCE, (elo, draws, promote)
        if elo >= ELO1:
            assert reject <= BETA + TOLERANCE, (elo, draws, reject)
        if elo == 2 * ELO1 or elo == -ELO1:  # far from both hypotheses: nearly always right
            assert max(promote, reject) >= 0.99


@pytest.fixture(scope="module")
def simulations():
    """{(true Elo, draw ratio): (decisions, lengths)} for the Elo values that matter."""
    results = {}
    for d, draws in enumerate(DRAW_RATIOS):
        for e, elo in enumerate((ELO0, ELO1, 2 * ELO1, -ELO1)):
            results[elo, draws] = _simulate(elo, draws, seed=100 * d + e)
    return results


def test_sprt_needs_half_the_pairs_of_a_fixed_length_test(simulations):
    for draws in DRAW_RATIOS:
        fixed = _fixed_length(draws)
        mean = np.mean([simulations[elo, draws][1].mean() for elo in (ELO0, ELO1, 2 * ELO1, -ELO1)])
        at_hypotheses = np.mean([simulations[elo, draws][1].mean() for elo in (ELO0, ELO1)])
        print(
            f"\ndraws {draws:.1f}: fixed-length {fixed} pairs; SPRT mean {mean:.1f} "
            f"(factor {fixed / mean:.2f}), at elo0 and elo1 {at_hypotheses:.1f} "
            f"(factor {fixed / at_hypotheses:.2f})"
        )
        assert fixed / mean >= 2, (draws, fixed, mean)


def test_the_default_max_pairs_ends_a_few_tests_at_the_hypotheses_inconclusive(simulations):
    """`--max-pairs` (500 by default) stops a test that has not decided: the share of tests
    at elo0 and at elo1 that need more pairs than that, as the README quotes it."""
    cap = defaults()["evaluate"]["max_pairs"]
    print(f"\n{'true Elo':>9} {'draws':>6} {f'over {cap} pairs':>15} {'95th pct':>9}")
    shares = []
    for (elo, draws), (_, lengths) in sorted(simulations.items()):
        if elo in (ELO0, ELO1):
            shares.append(np.mean(lengths > cap))
            late = np.percentile(lengths, 95)
            print(f"{elo:>9.0f} {draws:>6.1f} {shares[-1]:>15.3f} {late:>9.0f}")
    print(f"mean share over {cap} pairs at elo0 and elo1: {np.mean(shares):.3f}")
    assert 0.03 <= np.mean(shares) <= 0.15
