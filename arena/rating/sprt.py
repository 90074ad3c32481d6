"""The promotion gate's test: a sequential probability ratio test on side-swapped pairs.

The log-likelihood ratio is the exact maximum-likelihood one fishtest computes for
pentanomial results (its `LLR_logistic`), not its normal approximation: under each
hypothesis the pair distribution is the one most likely to have produced the counts among
those whose expected score is the hypothesis' score. As in fishtest, empty cells count as
1e-3 pairs both in the frequencies and in the total the per-pair ratio is scaled by.
fishtest's stopping rule also moves its bounds inward by an estimate of the overshoot;
this test stops at Wald's bounds. Every function takes counts of shape (..., 5), so one
call tests a single evaluation or thousands of simulated ones at once.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from arena.errors import ArenaError
from arena.rating.ratings import ANCHOR_ELO, bradley_terry_units
from arena.rating.stats import PAIR_SCORES, REGULARISER, score_from_elo

SCORES = np.array(PAIR_SCORES)
NELO_PER_T = 800 / math.log(10)  # normalised Elo per unit of t-value per game, as fishtest
Z95 = NormalDist().inv_cdf(0.975)
NEWTON_STEPS = 100  # far more than the ~10 a double-precision root needs


def check_hypotheses(elo0: float, elo1: float, alpha: float, beta: float) -> None:
    """Refuses a test that cannot decide: bounds in the wrong order or error rates that
    would make the decision boundaries cross."""
    if not elo0 < elo1:
        raise ArenaError(f"--elo0 must be below --elo1, got {elo0:g} and {elo1:g}")
    for flag, rate in (("--alpha", alpha), ("--beta", beta)):
        if not 0 < rate < 0.5:
            raise ArenaError(f"{flag} must lie strictly between 0 and 0.5, got {rate:g}")


def bounds(alpha: float, beta: float) -> tuple[float, float]:
    """Wald's decision bounds: accept H0 at or below the first, H1 at or above the second."""
    return math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha)


def _regularised(counts: np.ndarray) -> np.ndarray:
    """Counts with empty cells set to 1e-3 (as fishtest does), so every cell keeps a
    finite log-likelihood and the MLE stays inside the simplex."""
    return np.where(counts > 0, counts, REGULARISER).astype(float)


def _frequencies(counts: np.ndarray) -> np.ndarray:
    """The empirical pair distribution of the regularised counts."""
    regular = _regularised(counts)
    return regular / regular.sum(axis=-1, keepdims=True)


def constrained_mle(freqs: np.ndarray, score: float) -> np.ndarray:
    """The pair distribution of expected score `score` that makes `freqs` most likely.

    Maximising sum(f_i log q_i) subject to sum(q_i) = 1 and sum(q_i a_i) = score gives,
    by a Lagrange multiplier x, q_i = f_i / (1 + x (a_i - score)), where x is the root of
    g(x) = sum(f_i (a_i - score) / (1 + x (a_i - score))). g falls strictly on the interval
    that keeps every q_i positive, so Newton steps guarded by bisection find it.
    """
    gaps = SCORES - score
    low = np.full(freqs.shape[:-1], -1 / (1 - score))
    high = np.full(freqs.shape[:-1], 1 / score)
    x = np.zeros(freqs.shape[:-1])
    for _ in range(NEWTON_STEPS):
        denominators = 1 + x[..., None] * gaps
        g = (freqs * gaps / denominators).sum(axis=-1)
        slope = -(freqs * gaps**2 / denominators**2).sum(axis=-1)
        low = np.where(g > 0, x, low)
        high = np.where(g < 0, x, high)
        newton = x - g / slope
        guarded = np.where((newton > low) & (newton < high), newton, (low + high) / 2)
        if np.all(np.abs(guarded - x) <= 1e-15 * (1 + np.abs(x))):
            x = guarded
            break
        x = guarded
    return freqs / (1 + x[..., None] * gaps)


def llr(counts, elo0: float, elo1: float) -> np.ndarray:
    """Log-likelihood ratio of H1 (true Elo elo1) over H0 (elo0) for pentanomial counts
    (pairs scoring 0, 1/2, 1, 3/2, 2), with Elo on the logistic scale."""
    regular = _regularised(np.asarray(counts, dtype=float))
    total = regular.sum(axis=-1)  # fishtest's N: the regularised counts' total
    freqs = regular / total[..., None]
    q0 = constrained_mle(freqs, score_from_elo(elo0))
    q1 = constrained_mle(freqs, score_from_elo(elo1))
    return total * (freqs * np.log(q1 / q0)).sum(axis=-1)


@dataclass(frozen=True)
class SprtResult:
    """Where the test stands: stop at "H1" or "H0", otherwise play more pairs."""

    llr: float
    lower: float
    upper: float
    decision: str


def sprt(
    pent: tuple[int, int, int, int, int],
    elo0: float,
    elo1: float,
    alpha: float = 0.05,
    beta: float = 0.05,
) -> SprtResult:
    """The test on the pairs played so far: H1 (at least elo1 stronger) once the LLR
    reaches ln((1 - beta) / alpha), H0 (no more than elo0) once it falls to
    ln(beta / (1 - alpha)); in between, play on."""
    lower, upper = bounds(alpha, beta)
    value = float(llr(pent, elo0, elo1)) if sum(pent) else 0.0
    decision = "H1" if value >= upper else "H0" if value <= lower else "continue"
    return SprtResult(value, lower, upper, decision)


@dataclass(frozen=True)
class EloEstimate:
    """Elo (logistic) and normalised Elo of the pairs' first agent relative to the second,
    95% intervals (a side the pairs cannot bound is infinite), and the likelihood of
    superiority (the chance the true Elo is above 0)."""

    pairs: int
    score: float
    elo: float
    elo_low: float
    elo_high: float
    nelo: float
    nelo_low: float
    nelo_high: float
    los: float


FIRST, SECOND = "first", "second"  # the pairs' two agents, as the Bradley–Terry fit names them


def elo_estimate(pent: tuple[int, int, int, int, int]) -> EloEstimate:
    """The Elo and its interval are the leaderboard's (`bradley_terry_units`, with the
    second agent as the reference), so the two never disagree on the same games; each
    pair is two games sharing its points. The normalised Elo divides the mean score's
    excess over 1/2 by its per-game deviation (the pair's, times sqrt 2), so it measures
    how quickly a test can resolve the difference; its interval is the Elo interval read
    on that scale. The likelihood of superiority is the normal one on the mean score.
    """
    pairs = sum(pent)
    freqs = _frequencies(np.asarray(pent, dtype=float))
    mean = float((freqs * SCORES).sum())
    deviation = math.sqrt(float((freqs * (SCORES - mean) ** 2).sum()))
    error = deviation / math.sqrt(max(pairs, 1))
    per_game = math.sqrt(2) * deviation

    def nelo(score: float) -> float:
        return (score - 0.5) / per_game * NELO_PER_T

    games = [((FIRST, SECOND, s), (FIRST, SECOND, s)) for s in PAIR_SCORES]
    kinds = [(pair, n) for pair, n in zip(games, pent, strict=True) if n]
    elo, low, high = 0.0, -math.inf, math.inf  # no pairs: nothing is known
    if pairs:
        first = bradley_terry_units(kinds, anchor=SECOND)[FIRST]
        elo, low, high = (value - ANCHOR_ELO for value in (first.elo, first.low, first.high))
    return EloEstimate(
        pairs=pairs,
        score=mean,
        elo=elo,
        elo_low=low,
        elo_high=high,
        nelo=nelo(mean),
        nelo_low=nelo(score_from_elo(low)),
        nelo_high=nelo(score_from_elo(high)),
        los=NormalDist().cdf((mean - 0.5) / error),
    )
