"""The shape of a reported fine-tuning run, replayed through the promotion gate.

A user fine-tuned a model and watched two opponents: against the weaker heuristic it
stayed at 100% from the first epoch to the last (saturated: it can no longer tell two
models apart), while against the other it fell from 100% to about 80%. Pitted against
the model it started from, such a candidate must be stopped by the gate, and the report
must name both alarms, the saturation one with the next harder opponent to add.
"""

import pytest

from arena.gate.alarms import gauntlet, gauntlet_alarms
from arena.gate.evaluation import VERDICTS, EvaluationConfig, HeadToHead, Lineup
from arena.matchmaking.settings import PlaySettings
from arena.models import registry
from arena.rating.stats import Outcome

CANDIDATE, INCUMBENT = "g1", "g0"
GAMES = 100  # per agent and opponent


def _ladder() -> tuple[str, ...]:
    """Opponents weakest first: the heuristics, then any stronger rungs arena ships."""
    return (*registry.HEURISTICS, *registry.SEARCH_RUNGS)


def _config() -> EvaluationConfig:
    return EvaluationConfig(
        name="shape",
        candidate=CANDIDATE,
        incumbent=INCUMBENT,
        opponents=None,
        elo0=0.0,
        elo1=35.0,
        alpha=0.05,
        beta=0.05,
        max_pairs=500,
        play=PlaySettings.defaults(concurrency=1),
    )


def _games(agent: str, opponent: str, wins: int) -> list[Outcome]:
    return [Outcome(agent, opponent, float(k < wins), (opponent, agent, k)) for k in range(GAMES)]


def _head_to_head(h2h: HeadToHead) -> list[Outcome]:
    """Side-swapped pairs in which the candidate, worse than its parent, scores 1 of 4."""
    played, k = [], 0
    while h2h.decision is None:
        scores = (0.0, 0.0) if k % 2 else (1.0, 0.0)
        pair = [
            Outcome(CANDIDATE, INCUMBENT, scores[0], ("h2h", k)),
            Outcome(INCUMBENT, CANDIDATE, 1 - scores[1], ("h2h", k)),
        ]
        for outcome in pair:
            h2h.add(outcome)
        played += pair
        k += 1
        assert k < 500
    return played


@pytest.mark.parametrize(
    ("saturated", "regressed"),
    [("gym-leader", "simple-heuristic"), ("max-power", "simple-heuristic")],
)
def test_a_candidate_that_saturates_one_opponent_and_regresses_against_another_is_stopped(
    saturated, regressed
):
    lineup = Lineup(CANDIDATE, INCUMBENT, (saturated, regressed), {})
    h2h = HeadToHead(_config(), lineup)
    games = _head_to_head(h2h)
    games += _games(CANDIDATE, saturated, GAMES) + _games(INCUMBENT, saturated, GAMES)
    games += _games(CANDIDATE, regressed, 80) + _games(INCUMBENT, regressed, GAMES)
    assert VERDICTS[h2h.decision] == "REJECT"

    playing = (CANDIDATE, INCUMBENT, saturated, regressed)
    alarms = gauntlet_alarms(gauntlet(games, CANDIDATE, INCUMBENT, lineup.opponents), playing)
    by_kind = {alarm.kind: alarm.message for alarm in alarms}
    assert sorted(by_kind) == ["regression", "saturation"]
    assert f"against {regressed}" in by_kind["regression"] and "80.0%" in by_kind["regression"]
    assert f"against {saturated}" in by_kind["saturation"]

    ladder = _ladder()
    harder = [a for a in ladder[ladder.index(saturated) + 1 :] if a not in playing]
    if harder:
        assert f"harder opponent such as {harder[0]}" in by_kind["saturation"]
    else:  # nothing shipped is harder than the saturated opponent
        assert "stronger than every one playing" in by_kind["saturation"]
