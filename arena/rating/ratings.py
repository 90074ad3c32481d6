"""Bradley–Terry ratings for the final table: the fit of the whole history on an Elo
scale, relative to a declared reference, with 95% profile-likelihood intervals.

The table should not depend on the order games finished, so it is fitted from every
game at once (`fit`); the intervals are `intervals`'. TrueSkill's live view is `live`,
Showdown's Glicko `glicko`.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np

from arena.rating.fit import ELO_PER_NAT, fit
from arena.rating.intervals import profile_intervals
from arena.rating.stats import Outcome

ANCHOR_ELO = 1000.0
MEAN_ELO = 1500.0


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


def _elo(theta: np.ndarray, names: list[str], anchor: str | None) -> np.ndarray:
    elo = theta * ELO_PER_NAT
    if anchor in names:
        return elo - elo[:, [names.index(anchor)]] + ANCHOR_ELO
    return elo - elo.mean(axis=1, keepdims=True) + MEAN_ELO
