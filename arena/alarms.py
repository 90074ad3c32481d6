"""Alarms an evaluation raises beside its verdict: what a head-to-head cannot see.

A candidate can beat the incumbent and still have lost something against a third agent
(regression), an opponent both beat nearly always tells nothing apart (saturation), and
a rise in failed decisions is a fault to fix whatever the score (fallbacks, invalid
choices, timeouts). Each alarm carries the numbers that raised it.
"""

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from arena.stats import Outcome, wilson
from arena.store import Battle
from models.registry import HEURISTICS

Z_ALARM = 1.96  # two-sided 95%: a difference this many standard errors out is no accident
SATURATED_RATE, SATURATED_LOW = 0.95, 0.90  # both agents this far above an opponent


@dataclass
class GauntletRow:
    """Candidate and incumbent against one opponent, on the same teams."""

    opponent: str
    candidate_games: int
    candidate_rate: float
    candidate_low: float
    candidate_high: float
    incumbent_games: int
    incumbent_rate: float
    incumbent_low: float
    incumbent_high: float


@dataclass
class Alarm:
    kind: str  # regression, saturation, fallbacks, invalid, timeouts
    message: str


def _record(games: list[Outcome], agent: str, opponent: str) -> tuple[int, float]:
    """Games and points of `agent` against `opponent`, complete pairs or not."""
    n, points = 0, 0.0
    for o in games:
        if (o.a, o.b) == (agent, opponent):
            n, points = n + 1, points + o.score
        elif (o.a, o.b) == (opponent, agent):
            n, points = n + 1, points + 1 - o.score
    return n, points


def gauntlet(
    games: list[Outcome], candidate: str, incumbent: str, opponents: Iterable[str]
) -> list[GauntletRow]:
    """Candidate and incumbent against each opponent, rates with Wilson intervals."""
    rows = []
    for opponent in opponents:
        nc, pc = _record(games, candidate, opponent)
        ni, pi = _record(games, incumbent, opponent)
        rows.append(
            GauntletRow(
                opponent,
                nc,
                pc / nc if nc else 0.0,
                *wilson(pc, nc),
                ni,
                pi / ni if ni else 0.0,
                *wilson(pi, ni),
            )
        )
    return rows


def _z(successes_a: float, n_a: int, successes_b: float, n_b: int) -> float:
    """Two-proportion z statistic of rate a over rate b, with the pooled rate's variance."""
    if not n_a or not n_b:
        return 0.0
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance == 0:
        return 0.0
    return (successes_a / n_a - successes_b / n_b) / math.sqrt(variance)


def gauntlet_alarms(rows: list[GauntletRow], playing: Collection[str]) -> list[Alarm]:
    """Regression and saturation, opponent by opponent; `playing`: every agent in the games."""
    alarms = []
    for row in rows:
        z = _z(
            row.candidate_rate * row.candidate_games,
            row.candidate_games,
            row.incumbent_rate * row.incumbent_games,
            row.incumbent_games,
        )
        if z <= -Z_ALARM:
            alarms.append(
                Alarm(
                    "regression",
                    f"against {row.opponent} the candidate scores {row.candidate_rate:.1%} "
                    f"({row.candidate_games} games) and the incumbent "
                    f"{row.incumbent_rate:.1%} ({row.incumbent_games} games): "
                    f"{row.candidate_rate - row.incumbent_rate:+.1%}, z = {z:.2f}",
                )
            )
        if _saturated(row):
            alarms.append(
                Alarm(
                    "saturation",
                    f"against {row.opponent} both score at least {SATURATED_RATE:.0%} "
                    f"(candidate {row.candidate_rate:.1%}, lower bound "
                    f"{row.candidate_low:.1%}; incumbent {row.incumbent_rate:.1%}, lower bound "
                    f"{row.incumbent_low:.1%}): it carries no signal; "
                    f"{_harder_than(row.opponent, playing)}",
                )
            )
    return alarms


def _saturated(row: GauntletRow) -> bool:
    return (
        min(row.candidate_rate, row.incumbent_rate) >= SATURATED_RATE
        and min(row.candidate_low, row.incumbent_low) >= SATURATED_LOW
    )


def _harder_than(opponent: str, playing: Collection[str]) -> str:
    """The next heuristic up (HEURISTICS is ordered weakest first) not already playing."""
    start = HEURISTICS.index(opponent) + 1 if opponent in HEURISTICS else 0
    for candidate in HEURISTICS[start:]:
        if candidate not in playing:
            return f"add a harder opponent such as {candidate}"
    return "add an opponent stronger than every one playing (e.g. an earlier champion)"


FAULTS = (
    ("fallbacks", "default moves sent after a failed decision", ("errors", "timeouts")),
    ("invalid", "invalid choices", ("invalid",)),
    ("timeouts", "decisions past the time limit", ("timeouts",)),
)


def _fault_counts(battles: list[Battle], names: dict[int, str], agent: str) -> dict[str, int]:
    counts = {"decisions": 0, "errors": 0, "timeouts": 0, "invalid": 0}
    for b in battles:
        for side, agent_id in (("p1_", b.p1_agent_id), ("p2_", b.p2_agent_id)):
            if names[agent_id] == agent:
                for key in counts:
                    counts[key] += getattr(b, side + key)
    return counts


def fault_alarms(
    battles: list[Battle], names: dict[int, str], candidate: str, incumbent: str
) -> list[Alarm]:
    """A rise of the candidate's faults per decision over the incumbent's, beyond chance."""
    mine = _fault_counts(battles, names, candidate)
    theirs = _fault_counts(battles, names, incumbent)
    alarms = []
    for kind, what, keys in FAULTS:
        a, b = sum(mine[k] for k in keys), sum(theirs[k] for k in keys)
        z = _z(a, mine["decisions"], b, theirs["decisions"])
        if a and z >= Z_ALARM:
            alarms.append(
                Alarm(
                    kind,
                    f"the candidate's {what} rose to {a} in {mine['decisions']} decisions "
                    f"({a / mine['decisions']:.2%}) from the incumbent's {b} in "
                    f"{theirs['decisions']} ({b / max(theirs['decisions'], 1):.2%}), z = {z:.2f}",
                )
            )
    return alarms
