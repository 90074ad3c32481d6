"""The pentanomial SPRT: exact log-likelihood ratios checked by direct maximisation,
Elo estimates checked against the leaderboard's Bradley–Terry interval and by
arithmetic, and error rates and test lengths measured on thousands of simulated tests
with known true Elo."""

import math
import statistics
from statistics import NormalDist

import numpy as np
import pytest

from arena.errors import ArenaError
from arena.rating.ratings import bradley_terry
from arena.rating.sprt import bounds, check_hypotheses, elo_estimate, llr, sprt
from arena.rating.stats import Outcome, score_from_elo

ELO0, ELO1, ALPHA, BETA = 0.0, 35.0, 0.05, 0.05


DRAW_RATIOS = (0.0, 0.2, 0.5)  # per game; 0 leaves the odd pair scores empty


TESTS = 1000  # simulated tests per (true Elo, draw ratio)


TOLERANCE = 0.02  # about three standard errors of a 5% rate over 1,000 tests


def test_sprt_accepts_h1_on_clearly_better_data():
    result = sprt((1, 5, 20, 40, 60), elo0=0, elo1=10)
    assert result.decision == "H1" and result.llr >= result.upper


def test_sprt_accepts_h0_on_equal_or_worse_data():
    equal = sprt((300, 600, 1200, 600, 300), elo0=0, elo1=10)
    assert equal.decision == "H0" and equal.llr <= equal.lower
    worse = sprt((40, 40, 60, 10, 5), elo0=0, elo1=10)
    assert worse.decision == "H0" and worse.llr < 0


def test_sprt_continues_on_little_data():
    assert sprt((0, 1, 1, 1, 0), elo0=0, elo1=10).decision == "continue"
    empty = sprt((0, 0, 0, 0, 0), 0, 10)
    assert (empty.llr, empty.decision) == (0.0, "continue")


def test_sprt_stays_finite_when_every_pair_scores_the_same():
    assert math.isfinite(sprt((0, 0, 10, 0, 0), elo0=0, elo1=10).llr)
    assert sprt((0, 0, 0, 0, 10), elo0=0, elo1=10).llr > 0


def test_bounds_are_walds():
    lower, upper = bounds(0.05, 0.1)
    assert lower == pytest.approx(math.log(0.1 / 0.95))
    assert upper == pytest.approx(math.log(0.9 / 0.05))


def test_llr_is_antisymmetric_and_zero_between_symmetric_hypotheses():
    above, below = (0, 10, 20, 30, 0), (0, 30, 20, 10, 0)
    assert sprt(above, -5, 5).llr > 0 > sprt(below, -5, 5).llr
    assert sprt(above, -5, 5).llr == pytest.approx(-sprt(below, -5, 5).llr)
    assert sprt((0, 10, 20, 10, 0), -5, 5).llr == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(
    ("elo0", "elo1", "alpha", "beta", "message"),
    [
        (5, 5, 0.05, 0.05, "--elo0 must be below --elo1"),
        (10, 0, 0.05, 0.05, "--elo0 must be below --elo1"),
        (0, 5, 0.0, 0.05, "--alpha"),
        (0, 5, 0.05, 0.5, "--beta"),
        (0, 5, -0.1, 0.05, "--alpha"),
    ],
)
def test_hypotheses_that_cannot_decide_are_refused(elo0, elo1, alpha, beta, message):
    with pytest.raises(ArenaError, match=message):
        check_hypotheses(elo0, elo1, alpha, beta)


def _nelder_mead(f, start, step=0.05, iterations=4000):
    """Minimises f from `start` with the plain Nelder-Mead simplex method."""
    points = [np.array(start, float)]
    for i in range(len(start)):
        point = np.array(start, float)
        point[i] += step
        points.append(point)
    values = [f(p) for p in points]
    for _ in range(iterations):
        order = np.argsort(values)
        points, values = [points[i] for i in order], [values[i] for i in order]
        centre = np.mean(points[:-1], axis=0)
        reflected = centre + (centre - points[-1])
        fr = f(reflected)
        if fr < values[0]:
            expanded = centre + 2 * (centre - points[-1])
            fe = f(expanded)
            points[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            points[-1], values[-1] = reflected, fr
        else:
            contracted = centre + 0.5 * (points[-1] - centre)
            fc = f(contracted)
            if fc < values[-1]:
                points[-1], values[-1] = contracted, fc
            else:
                points = [points[0] + 0.5 * (p - points[0]) for p in points]
                values = [f(p) for p in points]
    return min(values)


def _max_log_likelihood(counts, score):
    """max sum(n_i log q_i) over pair distributions q of mean per-game score `score`,
    searched over (q0, q1, q3) with q2 and q4 solved from the two constraints."""
    n = [c if c > 0 else 1e-3 for c in counts]

    def negative(free):
        q0, q1, q3 = free
        q4 = 2 * score - 1 + q0 + q1 / 2 - q3 / 2
        q2 = 1 - q0 - q1 - q3 - q4
        q = (q0, q1, q2, q3, q4)
        if min(q) <= 0:
            return math.inf
        return -sum(c * math.log(p) for c, p in zip(n, q, strict=True))

    start = (0.15, 0.15, 0.15)  # feasible for the scores tested here (0.43 to 0.57)
    assert math.isfinite(negative(start))
    return -_nelder_mead(negative, start)


@pytest.mark.parametrize(
    ("counts", "elo0", "elo1"),
    [
        ((3, 12, 30, 15, 6), 0, 35),
        ((10, 0, 25, 0, 14), 0, 35),  # empty odd cells, as with no ties
        ((1, 4, 9, 12, 20), -10, 20),
        ((30, 20, 10, 5, 2), 0, 5),
    ],
)
def test_llr_matches_direct_maximisation(counts, elo0, elo1):
    # both maxima are of the regularised counts, as fishtest's LLR_logistic takes them
    direct = _max_log_likelihood(counts, score_from_elo(elo1)) - _max_log_likelihood(
        counts, score_from_elo(elo0)
    )
    assert float(llr(counts, elo0, elo1)) == pytest.approx(direct, rel=1e-6, abs=1e-7)


def test_llr_scales_by_the_regularised_total_as_fishtest_does():
    """fishtest multiplies the per-pair LLR by N, the total of the counts after empty cells
    became 1e-3; scaled by the 31 pairs played instead, this LLR falls 1.9e-4 short of the
    upper bound (continue) where fishtest's reaches it (H1)."""
    counts = (0, 2, 18, 6, 5)
    regular = [c if c > 0 else 1e-3 for c in counts]
    per_pair = (
        _max_log_likelihood(counts, score_from_elo(35))
        - _max_log_likelihood(counts, score_from_elo(0))
    ) / sum(regular)
    result = sprt(counts, 0, 35)
    assert result.llr == pytest.approx(per_pair * sum(regular), rel=1e-6)
    assert per_pair * sum(counts) < result.upper <= result.llr
    assert result.decision == "H1"


def test_llr_of_counts_at_the_hypothesis_score_is_the_unconstrained_maximum():
    counts = (2, 8, 20, 12, 8)  # mean per-game score 0.575
    score = sum(c * x for c, x in zip(counts, (0, 0.25, 0.5, 0.75, 1), strict=True)) / 50
    elo_at_score = -400 * math.log10(1 / score - 1)
    empirical = sum(c * math.log(c / 50) for c in counts)
    expected = empirical - _max_log_likelihood(counts, score_from_elo(0))
    assert float(llr(counts, 0, elo_at_score)) == pytest.approx(expected, rel=1e-6)


def test_elo_estimate_is_the_leaderboards_interval_and_fishtests_arithmetic():
    counts = (4, 10, 22, 9, 5)
    scores = [x for c, x in zip(counts, (0, 0.25, 0.5, 0.75, 1), strict=True) for _ in range(c)]
    mean, deviation = statistics.fmean(scores), statistics.pstdev(scores)
    error = deviation / math.sqrt(len(scores))
    estimate = elo_estimate(counts)
    games = [
        Outcome("cand", "inc", score, ("pair", k))
        for k, score in enumerate(scores)
        for _ in range(2)  # the pair's two games, sharing its points
    ]
    board = bradley_terry(games, anchor="inc")["cand"]
    assert estimate.pairs == 50 and estimate.score == pytest.approx(mean)
    assert estimate.elo == pytest.approx(board.elo - 1000)
    assert estimate.elo_low == pytest.approx(board.low - 1000)
    assert estimate.elo_high == pytest.approx(board.high - 1000)
    nelo = (mean - 0.5) / (math.sqrt(2) * deviation) * 800 / math.log(10)
    assert estimate.nelo == pytest.approx(nelo)
    assert estimate.los == pytest.approx(NormalDist().cdf((mean - 0.5) / error))


def test_elo_estimate_of_a_sweep_is_bounded_below_and_open_above():
    sweep = elo_estimate((0, 0, 0, 0, 4))
    assert 0 < sweep.elo_low < sweep.elo and sweep.elo_high == math.inf
    assert math.isfinite(sweep.nelo_high)


def test_elo_estimate_signs_and_certainty():
    even = elo_estimate((5, 10, 20, 10, 5))
    assert even.elo == pytest.approx(0, abs=1e-9) and even.los == pytest.approx(0.5)
    strong = elo_estimate((0, 1, 5, 20, 40))
    assert strong.elo_low > 0 and strong.nelo_low > 0 and strong.los > 0.999
    weak = elo_estimate((40, 20, 5, 1, 0))
    assert weak.elo_high < 0 and weak.los < 0.001


def _pair_distribution(elo: float, draws: float) -> np.ndarray:
    """Pair-score probabilities of two independent games at expected score
    score_from_elo(elo) with the given share of drawn games."""
    score = score_from_elo(elo)
    win, loss = score - draws / 2, 1 - score - draws / 2
    game = np.array([loss, draws, win])
    return np.convolve(game, game)


def _simulate(elo: float, draws: float, seed: int, max_pairs: int = 20000):
    """TESTS sequential tests run side by side; each stops at its first decision.
    Returns the decisions ("H0", "H1", "none") and the pairs each played."""
    rng = np.random.default_rng(seed)
    pdf = _pair_distribution(elo, draws)
    lower, upper = bounds(ALPHA, BETA)
    counts = np.zeros((TESTS, 5))
    decisions = np.full(TESTS, "none", dtype=object)
    lengths = np.full(TESTS, max_pairs)
    active = np.arange(TESTS)
    for pairs in range(1, max_pairs + 1):
        counts[active, rng.choice(5, size=active.size, p=pdf)] += 1
        value = llr(counts[active], ELO0, ELO1)
        done = (value >= upper) | (value <= lower)
        decisions[active[value >= upper]] = "H1"
        decisions[active[value <= lower]] = "H0"
        lengths[active[done]] = pairs
        active = active[~done]
        if active.size == 0:
            break
    return decisions, lengths


def _fixed_length(draws: float) -> int:
    """Pairs a fixed-length one-sided test needs for the same alpha and beta, with the
    pair variance known (the larger of the two hypotheses')."""
    s0, s1 = score_from_elo(ELO0), score_from_elo(ELO1)
    deviation = max(
        math.sqrt(float((pdf * (np.arange(5) / 4 - s) ** 2).sum()))
        for s, pdf in ((s0, _pair_distribution(ELO0, draws)), (s1, _pair_distribution(ELO1, draws)))
    )
    z = NormalDist().inv_cdf(1 - ALPHA) + NormalDist().inv_cdf(1 - BETA)
    return math.ceil((z * deviation / (s1 - s0)) ** 2)


def test_the_fixed_length_test_compared_with_keeps_its_error_rates():
    """The comparison is fair only if the fixed-length test really has those error rates."""
    rng = np.random.default_rng(7)
    s0, s1 = score_from_elo(ELO0), score_from_elo(ELO1)
    for draws in DRAW_RATIOS:
        n = _fixed_length(draws)
        deviation = math.sqrt(
            float((_pair_distribution(ELO0, draws) * (np.arange(5) / 4 - s0) ** 2).sum())
        )
        threshold = s0 + NormalDist().inv_cdf(1 - ALPHA) * deviation / math.sqrt(n)
        for elo, wrong in ((ELO0, "promote"), (ELO1, "reject")):
            counts = rng.multinomial(n, _pair_distribution(elo, draws), size=TESTS)
            means = counts @ (np.arange(5) / 4) / n
            rate = np.mean(means >= threshold) if wrong == "promote" else np.mean(means < threshold)
            assert rate <= (ALPHA if wrong == "promote" else BETA) + TOLERANCE, (draws, elo, rate)
    assert s1 > s0


@pytest.mark.parametrize(("elo1", "pairs"), [(35, 31), (150, 9)])
def test_a_clean_sweep_decides_after_log_bound_over_log_score_ratio_pairs(elo1, pairs):
    """Each 2-0 pair adds about ln(s1 / s0) to the LLR: the exact test never lets a run of
    lopsided pairs decide faster than that (the pair counts the README quotes)."""
    assert math.ceil(math.log(19) / math.log(score_from_elo(elo1) / 0.5)) == pairs
    assert sprt((0, 0, 0, 0, pairs - 1), 0, elo1).decision == "continue"
    assert sprt((0, 0, 0, 0, pairs), 0, elo1).decision == "H1"
