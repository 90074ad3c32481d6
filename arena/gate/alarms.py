"""Alarms an evaluation raises beside its verdict: what a head-to-head cannot see.

A candidate can beat the incumbent and still have lost something against a third agent
(regression), an opponent both beat nearly always tells nothing apart (saturation), and
a rise in failed decisions is a fault to fix whatever the score (fallbacks, invalid
choices, timeouts). Each alarm carries the numbers that raised it.

One definition of each, on counts, serves the promotion gate and the trainer's epochs:
- regression: the 95% interval of the candidate's rate minus the baseline's
  (`arena.rating.stats.rate_difference`, Newcombe's score interval) lies wholly below zero, a
  two-sided test at 5%; a rise of faults is the same test the other way up;
- saturation: an agent scores at least SATURATED_RATE against the opponent and its
  Wilson interval's lower bound is at least SATURATED_LOW.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from arena.models.registry import HEURISTICS, SEARCH_RUNGS, is_search, search_iterations
from arena.rating.stats import Outcome, rate_difference, wilson
from arena.store.tables import Battle

SATURATED_RATE, SATURATED_LOW = 0.95, 0.90  # an agent this far above an opponent learns nothing


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


def regressed(points: float, games: int, baseline_points: float, baseline_games: int) -> bool:
    """The rate fell below the baseline's beyond chance: the difference's 95% interval
    lies wholly below zero."""
    return rate_difference(points, games, baseline_points, baseline_games)[2] < 0


def saturated(points: float, games: int) -> bool:
    """The opponent is beaten so often it can no longer tell two agents apart."""
    if not games:
        return False
    return points / games >= SATURATED_RATE and wilson(points, games)[0] >= SATURATED_LOW


def _difference(points: float, games: int, baseline_points: float, baseline_games: int) -> str:
    difference, low, high = rate_difference(points, games, baseline_points, baseline_games)
    return f"{difference:+.1%} (95% interval {low:+.1%} to {high:+.1%})"


def gauntlet_alarms(rows: list[GauntletRow], playing: Collection[str]) -> list[Alarm]:
    """Regression and saturation, opponent by opponent; `playing`: every agent in the games."""
    alarms = []
    for row in rows:
        candidate = (row.candidate_rate * row.candidate_games, row.candidate_games)
        incumbent = (row.incumbent_rate * row.incumbent_games, row.incumbent_games)
        if regressed(*candidate, *incumbent):
            alarms.append(
                Alarm(
                    "regression",
                    f"against {row.opponent} the candidate scores {row.candidate_rate:.1%} "
                    f"({row.candidate_games} games) and the incumbent "
                    f"{row.incumbent_rate:.1%} ({row.incumbent_games} games): "
                    f"{_difference(*candidate, *incumbent)}",
                )
            )
        if saturated(*candidate) and saturated(*incumbent):
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


def _harder_than(opponent: str, playing: Collection[str]) -> str:
    """The next opponent up not already playing: the heuristics (weakest first), then the
    search agent's rungs, then a search four times the strongest one named."""
    ladder = (*HEURISTICS, *SEARCH_RUNGS)
    strength = _search_strength(opponent)
    if opponent in ladder:
        start = ladder.index(opponent) + 1
    elif strength:
        stronger = (i for i, rung in enumerate(ladder) if _search_strength(rung) > strength)
        start = next(stronger, len(ladder))
    else:
        start = 0
    for candidate in ladder[start:]:
        if candidate not in playing:
            return f"add a harder opponent such as {candidate}"
    strongest = max(_search_strength(name) for name in (opponent, *playing, *ladder))
    return f"add a harder opponent such as search:{4 * strongest}"


def _search_strength(name: str) -> int:
    """N of a search agent's name (`search`, `search:N`); 0 for any other agent."""
    if not is_search(name):
        return 0
    try:
        return search_iterations(name)
    except ValueError:
        return 0


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
        if a and regressed(b, theirs["decisions"], a, mine["decisions"]):
            alarms.append(
                Alarm(
                    kind,
                    f"the candidate's {what} rose to {a} in {mine['decisions']} decisions "
                    f"({a / mine['decisions']:.2%}) from the incumbent's {b} in "
                    f"{theirs['decisions']} ({b / max(theirs['decisions'], 1):.2%})",
                )
            )
    return alarms
