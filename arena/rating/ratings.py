"""Ratings: TrueSkill for the live leaderboard, Bradley–Terry for the final table.

TrueSkill moves game by game and ranks by the conservative `mu - 3*sigma`, so a lucky
newcomer does not top the live view. Bradley–Terry is the (lightly regularised)
maximum-likelihood fit of the whole history on an Elo scale, with intervals from a
bootstrap over side-swapped pairs (the statistical unit): the final table should not
depend on the order games finished.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
import trueskill

from arena.rating.stats import Outcome

ELO_PER_NAT = 400 / np.log(10)
PRIOR_SD = 1000.0  # Elo; wide enough to barely move ratings backed by a few dozen games
PRIOR_PRECISION = (ELO_PER_NAT / PRIOR_SD) ** 2  # the same prior on log-strengths
ANCHOR_ELO = 1000.0
MEAN_ELO = 1500.0
NEWTON_STEPS = 100
CONVERGED = 1e-10  # Newton decrement: the log-posterior is this close to its maximum


@dataclass(frozen=True)
class Row:
    """One agent on the live leaderboard; `conservative` is what it is ranked by."""

    name: str
    mu: float
    sigma: float
    conservative: float
    games: int


class LiveRatings:
    """TrueSkill ratings updated one game at a time, in the order games finish, so the
    leaderboard can be shown while a tournament runs.

    A 1-vs-1 game's factor graph has a closed form (Herbrich, Minka & Graepel 2006, eq.
    for two players): one truncated-Gaussian step on the performance difference, with the
    `trueskill` package's own v and w functions and draw margin, so the numbers are the
    package's `rate_1vs1` at a fraction of its cost (a report replays every stored game).
    """

    def __init__(self, draw_probability: float = 0.02) -> None:
        # Showdown ties are rare, hence the small default.
        self.env = trueskill.TrueSkill(draw_probability=draw_probability)
        self.draw_margin = trueskill.calc_draw_margin(draw_probability, 2, self.env)
        self.start = (self.env.mu, self.env.sigma)
        self.tau2, self.beta2 = self.env.tau**2, self.env.beta**2
        self.ratings: dict[str, tuple[float, float]] = {}  # mu, sigma
        self.games: dict[str, int] = {}

    def update(self, outcome: Outcome) -> None:
        self.play(outcome.a, outcome.b, outcome.score)

    def play(self, a: str, b: str, score: float) -> None:
        """`a` scored `score` against `b`."""
        ratings = self.ratings
        first, second = ratings.get(a, self.start), ratings.get(b, self.start)
        if score < 0.5:
            ratings[b], ratings[a] = self._duel(second, first, drawn=False)
        else:
            ratings[a], ratings[b] = self._duel(first, second, drawn=score == 0.5)
        self.games[a] = self.games.get(a, 0) + 1
        self.games[b] = self.games.get(b, 0) + 1

    def _duel(self, first: tuple, second: tuple, drawn: bool) -> tuple[tuple, tuple]:
        """Both (mu, sigma) after `first` beat (or drew with) `second`."""
        env = self.env
        (mu_first, sigma_first), (mu_second, sigma_second) = first, second
        var_first = sigma_first**2 + self.tau2  # the dynamics factor, before the game
        var_second = sigma_second**2 + self.tau2
        c2 = var_first + var_second + 2 * self.beta2
        c = math.sqrt(c2)
        t, margin = (mu_first - mu_second) / c, self.draw_margin / c
        v = (env.v_draw if drawn else env.v_win)(t, margin)
        w = (env.w_draw if drawn else env.w_win)(t, margin)
        return (
            (mu_first + var_first / c * v, math.sqrt(var_first * (1 - var_first / c2 * w))),
            (mu_second - var_second / c * v, math.sqrt(var_second * (1 - var_second / c2 * w))),
        )

    def table(self) -> list[Row]:
        """Best first by `mu - 3*sigma`: an agent must prove itself to climb."""
        rows = [
            Row(name, mu, sigma, mu - 3 * sigma, self.games[name])
            for name, (mu, sigma) in self.ratings.items()
        ]
        return sorted(rows, key=lambda row: row.conservative, reverse=True)


@dataclass(frozen=True)
class BTRating:
    """Bradley–Terry Elo with its 95% interval; a side the games cannot bound is infinite
    (an agent that won every game has `high == inf`: its rating is at least `low`)."""

    elo: float
    low: float
    high: float


def bradley_terry(
    outcomes: Sequence[Outcome], anchor: str | None = "random", intervals: bool = True
) -> dict[str, BTRating]:
    """Elo-scale Bradley–Terry ratings with 95% profile-likelihood intervals
    (`bradley_terry_units`), from games tagged with their units."""
    games: dict[tuple, list[tuple[str, str, float]]] = defaultdict(list)
    for o in outcomes:
        games[o.unit].append((o.a, o.b, o.score) if o.a < o.b else (o.b, o.a, 1 - o.score))
    kinds = Counter(tuple(sorted(unit)) for unit in games.values())
    return bradley_terry_units(list(kinds.items()), anchor, intervals)


def reference(names: Collection[str], anchor: str | None = "random") -> str | None:
    """The reference point of the scale: the anchor when it played (it sits at ANCHOR_ELO
    with a zero-width interval), otherwise None, the field's mean (at MEAN_ELO)."""
    return anchor if anchor in names else None


def reference_note(names: Collection[str], anchor: str | None = "random") -> str:
    """One line saying what every rating and interval is relative to."""
    fixed = reference(names, anchor)
    if fixed is not None:
        return f"Elo relative to {fixed}, fixed at {ANCHOR_ELO:.0f}; 95% intervals"
    return f"Elo relative to the field's mean, fixed at {MEAN_ELO:.0f}; 95% intervals"


def interval_text(low: float | None, high: float | None) -> str:
    """An Elo interval for a table: "1380–1620", or "≥ 1,450" where the games bound it on
    one side only, "unbounded" where on neither (a part of the field that never met the
    reference). None is an open side, as JSON writes it."""
    low = -math.inf if low is None else low
    high = math.inf if high is None else high
    if math.isinf(low) and math.isinf(high):
        return "unbounded"
    if math.isinf(high):
        return f"≥ {low:,.0f}"
    if math.isinf(low):
        return f"≤ {high:,.0f}"
    return f"{low:.0f}–{high:.0f}"


def bradley_terry_units(
    kinds: Sequence[tuple[tuple[tuple[str, str, float], ...], int]],
    anchor: str | None = "random",
    intervals: bool = True,
) -> dict[str, BTRating]:
    """Elo-scale Bradley–Terry ratings with 95% intervals, from the kinds of unit (each a
    tuple of (agent, opponent, agent's score) games) and how many units are of each kind.

    The rating is the maximum a posteriori estimate of log-strengths under a weak Gaussian
    prior, N(0, PRIOR_SD² in Elo), on each agent, found by damped Newton on aggregated
    win counts; ties count half a win to each side. The prior keeps every rating finite
    when an agent won or lost every game, and puts the parts of a disconnected field at a
    common mean (nothing in the data relates them). Elo = 400 * log10(strength), shifted
    so `anchor` sits at 1000 when it played, otherwise so the ratings average 1500.

    The intervals are `profile_intervals`, relative to that same reference, widened to
    take in the rating should it fall outside (it can, on a side left open).
    """
    names = sorted({name for unit, _ in kinds for a, b, _ in unit for name in (a, b)})
    if not names:
        return {}
    units = _UnitTypes.of(kinds, {name: k for k, name in enumerate(names)})
    tables = units.tables(units.counts[None])
    point = _elo(fit(tables), names, anchor)[0]
    low, high = point, point
    if intervals:
        fixed = reference(names, anchor)
        offset = ANCHOR_ELO if fixed is not None else MEAN_ELO
        ref = names.index(fixed) if fixed is not None else None
        lows, highs = profile_intervals(tables, ref)
        low = np.minimum(lows[0] * ELO_PER_NAT + offset, point)
        high = np.maximum(highs[0] * ELO_PER_NAT + offset, point)
    return {
        name: BTRating(float(point[k]), float(low[k]), float(high[k]))
        for k, name in enumerate(names)
    }


@dataclass(frozen=True)
class _UnitTypes:
    """The distinct kinds of unit as arrays: each kind is kept as sparse entries of the
    stacked (points, games) N x N tables, where a game touches four cells."""

    agents: int
    counts: np.ndarray  # (K,) units of each kind
    kind: np.ndarray  # (E,) the kind each entry belongs to
    cell: np.ndarray  # (E,) flat index into the stacked tables, (2, N, N)
    value: np.ndarray  # (E,) points or games it adds

    @classmethod
    def of(cls, kinds: Sequence[tuple[tuple, int]], index: dict[str, int]) -> Self:
        n = len(index)
        entries = [
            (k, cell, value)
            for k, (unit, _) in enumerate(kinds)
            for a, b, score in unit
            for i, j in [(index[a], index[b])]
            for cell, value in (
                (i * n + j, score),
                (j * n + i, 1 - score),
                (n * n + i * n + j, 1),
                (n * n + j * n + i, 1),
            )
        ]
        kind, cell, value = (np.array(column) for column in zip(*entries, strict=True))
        counts = np.array([count for _, count in kinds])
        return cls(n, counts, kind, cell, value.astype(float))

    def tables(self, weights: np.ndarray) -> np.ndarray:
        """Points and games tables, (B, 2, N, N), for B weightings (K,) of the kinds."""
        size = 2 * self.agents**2
        flat = [np.bincount(self.cell, w[self.kind] * self.value, size) for w in weights]
        return np.stack(flat).reshape(-1, 2, self.agents, self.agents)


def fit(tables: np.ndarray) -> np.ndarray:
    """Log-strengths (B, N) of B independent fits, from (B, 2, N, N) points and games.

    Newton converges in a handful of steps where MM crawls once strengths spread out; the
    prior makes the negated Hessian positive definite, and halving steps that do not
    raise the log-posterior enough keeps every fit on its way up.
    """
    points, games = tables[:, 0], tables[:, 1]
    theta = np.zeros(points.shape[:2])
    for _ in range(NEWTON_STEPS):
        gradient, curvature = _derivatives(theta, points, games)
        step = np.linalg.solve(curvature, gradient[..., None])[..., 0]
        decrement = np.einsum("bi,bi->b", gradient, step)
        if decrement.max() < CONVERGED:
            break
        theta = _line_search(theta, step, decrement, points)
    return theta


def _derivatives(
    theta: np.ndarray, points: np.ndarray, games: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and negated Hessian of the log-posterior."""
    diff = theta[:, :, None] - theta[:, None, :]
    p = 0.5 * (1 + np.tanh(diff / 2))  # logistic, without overflow for large gaps
    gradient = (points - games * p).sum(axis=2) - PRIOR_PRECISION * theta
    weight = games * p * (1 - p)
    diagonal = weight.sum(axis=2) + PRIOR_PRECISION
    curvature = np.einsum("bi,ij->bij", diagonal, np.eye(theta.shape[1])) - weight
    return gradient, curvature


def _line_search(
    theta: np.ndarray, step: np.ndarray, decrement: np.ndarray, points: np.ndarray
) -> np.ndarray:
    """Armijo backtracking, per fit."""
    base = _log_posterior(theta, points)
    size = np.ones(len(theta))
    for _ in range(50):
        trial = theta + size[:, None] * step
        enough = _log_posterior(trial, points) >= base + 1e-4 * size * decrement
        if enough.all():
            break
        size = np.where(enough, size, size / 2)
    return trial


def _log_posterior(theta: np.ndarray, points: np.ndarray) -> np.ndarray:
    """What the line search climbs: log-likelihood plus log-prior, up to a constant."""
    diff = theta[:, :, None] - theta[:, None, :]
    likelihood = -(points * np.logaddexp(0, -diff)).sum(axis=(1, 2))
    return likelihood - PRIOR_PRECISION * (theta**2).sum(axis=1) / 2


TEMPER = 2.0  # games; measured by scripts/bench_rating_coverage.py (1 is too few)
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
    best = _log_posterior(theta, regular[:, 0])
    curvature = _derivatives(theta, regular[:, 0], regular[:, 1])[1]
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
        deviance = 2 * (peak - _log_posterior(fitted, repeat[:, 0]))
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
        gradient, curvature = _derivatives(theta, points, games)
        system[:, :n, :n] = curvature
        right = np.concatenate([gradient, np.zeros((b, 1))], axis=1)
        step = np.linalg.solve(system, right[..., None])[..., 0][:, :n]
        decrement = np.einsum("bi,bi->b", gradient, step)
        if decrement.max() < CONVERGED:
            break
        theta = _line_search(theta, step, decrement, points)
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


def _elo(theta: np.ndarray, names: list[str], anchor: str | None) -> np.ndarray:
    elo = theta * ELO_PER_NAT
    if anchor in names:
        return elo - elo[:, [names.index(anchor)]] + ANCHOR_ELO
    return elo - elo.mean(axis=1, keepdims=True) + MEAN_ELO


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
