"""95% intervals of Bradley–Terry ratings: the profile likelihood's, with a small-sample
correction and the sides the games cannot bound left open (`profile_intervals`).

Every interval arena reports on an Elo scale comes from here: the leaderboard's, the
promotion's ranking of epochs, and the head-to-head Elo of `evaluate` (`sprt`).
"""

import numpy as np

from arena.rating.fit import CONVERGED, derivatives, fit, line_search, log_posterior

TEMPER = 2.5  # games; measured by scripts/bench_rating_coverage.py (1 and 2 are too few)
Z95 = 1.959963984540054  # the 97.5% normal quantile: a deviance of Z95² is chi-square's 95%
SECANT_STEPS = 12
PROFILE_STEPS = 20  # Newton steps of one constrained fit, started from the last one
SPAN = 30.0  # nats (over 5,000 Elo): no profile bound is sought farther from the estimate


def profile_intervals(tables: np.ndarray, ref: int | None) -> tuple[np.ndarray, np.ndarray]:
    """95% intervals (B, N) of each agent's log-strength relative to agent `ref` (its own
    is [0, 0]) or, when None, to the field's mean, for B independent (B, 2, N, N) tables.

    An interval is the set of values the likelihood ratio test does not reject at 5%: the
    profile log-likelihood within Z95²/2 of its maximum. Likelihood-ratio intervals follow
    the skew of a rating near 0% or 100% (a normal interval there is absurd), and need no
    resampling, so they are deterministic. Two things keep them honest on few games:
    `_tempered` counts each pairing's evidence a little short (the chi-square reading of
    a handful of games is too sharp: 4 wins in 4 would exclude an even match), and a side
    the games cannot bound (`_open_sides`: an agent that won every game has no upper
    bound) is left infinite rather than set by the prior, which does not pull ratings
    apart as far as a gap of 1,000 Elo. Games are taken as independent; side-swapped
    pairs cancel team luck, so that errs wide. Coverage at every sample size is measured
    by scripts/bench_rating_coverage.py.
    """
    n = tables.shape[2]
    regular = _tempered(tables)
    contrasts = _contrasts(n, ref)  # (N, N): row k is agent k's rating relative to ref
    profiled = contrasts if ref is None else contrasts + np.eye(n)[ref] * np.eye(n)[:, [ref]]
    theta = fit(regular)
    best = log_posterior(theta, regular[:, 0])
    curvature = derivatives(theta, regular[:, 0], regular[:, 1])[1]
    spread = np.einsum("kn,bnm,km->bk", profiled, np.linalg.inv(curvature), profiled)
    estimate = theta @ profiled.T  # (B, N)
    bounds = []
    for side in (-1.0, 1.0):
        start = estimate + side * Z95 * np.sqrt(np.maximum(spread, 1e-12))
        bounds.append(_profile_bound(regular, profiled, theta, best, estimate, start, side))
    low, high = bounds
    low_open, high_open = _open_sides(tables[:, 0], ref)
    low, high = np.where(low_open, -np.inf, low), np.where(high_open, np.inf, high)
    if ref is not None:
        low[:, ref] = high[:, ref] = 0.0
    return low, high


def _tempered(tables: np.ndarray) -> np.ndarray:
    """Each pairing's games weighted g / (g + TEMPER): the evidence of g games counted
    as g² / (g + TEMPER), a small-sample correction that matters for a handful of games
    (where the likelihood ratio's chi-square reading is too sharp) and fades with more."""
    games = tables[:, 1]
    return tables * (games / (games + TEMPER))[:, None]


def _contrasts(n: int, ref: int | None) -> np.ndarray:
    """Rows c_k with c_k . theta the rating of agent k relative to the reference."""
    return np.eye(n) - (np.eye(n)[ref] if ref is not None else np.full(n, 1 / n))


def _profile_bound(
    tables: np.ndarray,
    contrasts: np.ndarray,
    theta: np.ndarray,
    best: np.ndarray,
    estimate: np.ndarray,
    start: np.ndarray,
    side: float,
) -> np.ndarray:
    """Where the signed root of the profile deviance reaches Z95 on one side of each
    agent's estimate, by safeguarded secant steps; every (fit, agent) is one batched
    constrained fit, so B x N bounds cost about as much as one."""
    b, n = estimate.shape
    repeat = np.repeat(tables, n, axis=0)  # (B*N, 2, N, N), agent fastest
    c = np.tile(contrasts, (b, 1))
    fitted = np.repeat(theta, n, axis=0)
    peak, centre = np.repeat(best, n), estimate.ravel()
    before_at, before = centre.copy(), np.full(b * n, -Z95)
    at = start.ravel().copy()
    for _ in range(SECANT_STEPS):
        fitted = _constrained_fit(repeat, c, at, fitted)
        deviance = 2 * (peak - log_posterior(fitted, repeat[:, 0]))
        now = np.sqrt(np.maximum(deviance, 0)) - Z95
        moved = at - before_at
        slope = (now - before) / np.where(moved == 0, 1.0, moved)
        step = np.where(np.abs(slope) > 1e-9, -now / np.where(slope == 0, 1.0, slope), 0.0)
        before_at, before = at, now
        at = centre + side * np.clip(side * (at + step - centre), 1e-6, SPAN)
    return at.reshape(b, n)


def _constrained_fit(
    tables: np.ndarray, contrasts: np.ndarray, value: np.ndarray, theta: np.ndarray
) -> np.ndarray:
    """The log-posterior's maximum (B, N) under c_b . theta = value_b, by Newton steps
    inside the constraint (the KKT system), from `theta` moved onto it."""
    points, games = tables[:, 0], tables[:, 1]
    norm = np.einsum("bi,bi->b", contrasts, contrasts)
    gap = value - np.einsum("bi,bi->b", contrasts, theta)
    theta = theta + contrasts * (gap / norm)[:, None]
    b, n = theta.shape
    system = np.zeros((b, n + 1, n + 1))
    system[:, :n, n] = system[:, n, :n] = contrasts
    for _ in range(PROFILE_STEPS):
        gradient, curvature = derivatives(theta, points, games)
        system[:, :n, :n] = curvature
        right = np.concatenate([gradient, np.zeros((b, 1))], axis=1)
        step = np.linalg.solve(system, right[..., None])[..., 0][:, :n]
        decrement = np.einsum("bi,bi->b", gradient, step)
        if decrement.max() < CONVERGED:
            break
        theta = line_search(theta, step, decrement, points)
    return theta


def _open_sides(points: np.ndarray, ref: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Which sides (B, N) of each rating the games leave unbounded.

    Raising a set of agents together raises the likelihood without limit when they took
    every point in their games with the rest: an agent's rating has no upper bound when
    the agents that took points from it, and those that took points from them, and so on,
    leave out the reference (for the field's mean: leave anyone out). Lower bounds read
    the same with the roles swapped.
    """
    sides = []
    for took in (np.swapaxes(points, 1, 2) > 0, points > 0):  # row i: who i must bring along
        reach = took | np.eye(points.shape[1], dtype=bool)
        for _ in range(int(np.ceil(np.log2(points.shape[1]))) + 1):
            reach = reach.astype(float) @ reach.astype(float) > 0
        sides.append(~reach[:, :, ref] if ref is not None else ~reach.all(axis=2))
    return sides[1], sides[0]
