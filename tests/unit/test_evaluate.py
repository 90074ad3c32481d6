"""The evaluation's bookkeeping on constructed results: the verdict is taken at the first
crossing, only complete head-to-head pairs count, and the alarms (regression, saturation,
faults) fire on constructed counts only beyond chance."""

from arena.gate.alarms import GauntletRow, fault_alarms, gauntlet_alarms
from arena.gate.evaluation import EvaluationConfig, HeadToHead, Lineup
from arena.matchmaking.settings import PlaySettings
from arena.rating.stats import Outcome, wilson
from arena.store.tables import Battle

LINEUP = Lineup("cand", "inc", ("opp",), {})


def _config(**changes):
    values = dict(
        name="t",
        candidate="cand",
        incumbent="inc",
        opponents=None,
        elo0=0.0,
        elo1=150.0,
        alpha=0.05,
        beta=0.05,
        max_pairs=100,
        format="gen1ou",
        concurrency=1,
        seed=0,
    )
    values |= changes
    own = {k: v for k, v in values.items() if k in EvaluationConfig.__dataclass_fields__}
    return EvaluationConfig(**own, play=PlaySettings.of(values))


def _pair(k, first, second):
    """A side-swapped head-to-head pair with the candidate's two scores."""
    return [Outcome("cand", "inc", first, ("p", k)), Outcome("inc", "cand", 1 - second, ("p", k))]


def test_the_verdict_is_taken_at_the_first_crossing_and_kept():
    h2h = HeadToHead(_config(), LINEUP)
    k = 0
    while h2h.decision is None:
        for outcome in _pair(k, 1.0, 1.0):
            h2h.add(outcome)
        k += 1
        assert k < 50
    decided = h2h.decided_at
    assert h2h.decision == "H1" and decided == k == len(h2h.trajectory)
    for j in range(k, k + 5):  # pairs that finish while the games in flight drain
        for outcome in _pair(j, 0.0, 0.0):
            h2h.add(outcome)
    assert h2h.decision == "H1" and h2h.decided_at == decided
    assert h2h.counts == [5, 0, 0, 0, decided] and h2h.trajectory[-1] < h2h.trajectory[decided - 1]


def test_incomplete_pairs_and_other_games_do_not_count():
    h2h = HeadToHead(_config(), LINEUP)
    h2h.add(Outcome("cand", "inc", 1.0, ("p", 0)))
    h2h.add(Outcome("cand", "opp", 1.0, ("q", 0)))
    h2h.add(Outcome("inc", "opp", 0.0, ("q", 0)))
    assert h2h.pairs == 0 and h2h.trajectory == []
    h2h.add(Outcome("inc", "cand", 0.5, ("p", 0)))
    assert h2h.counts == [0, 0, 0, 1, 0]


def _row(opponent, cand, cand_games, inc, inc_games):
    return GauntletRow(
        opponent,
        cand_games,
        cand / cand_games,
        *wilson(cand, cand_games),
        inc_games,
        inc / inc_games,
        *wilson(inc, inc_games),
    )


def test_regression_alarm_needs_a_significant_drop():
    playing = ("cand", "inc", "grunt")
    clear = gauntlet_alarms([_row("grunt", 10, 40, 30, 40)], playing)
    assert [a.kind for a in clear] == ["regression"]
    assert "25.0%" in clear[0].message and "75.0%" in clear[0].message
    assert "-50.0% (95% interval -65.3% to -28.5%)" in clear[0].message
    assert gauntlet_alarms([_row("grunt", 17, 40, 23, 40)], playing) == []  # within chance
    assert gauntlet_alarms([_row("grunt", 30, 40, 10, 40)], playing) == []  # better


def test_saturation_alarm_needs_both_rates_and_lower_bounds():
    playing = ("cand", "inc", "random")
    saturated = gauntlet_alarms([_row("random", 98, 100, 97, 100)], playing)
    assert [a.kind for a in saturated] == ["saturation"]
    assert "add a harder opponent such as max-power" in saturated[0].message
    # 36 of 36 has a lower bound just above 90%; 35 of 36 (97%) just below
    assert gauntlet_alarms([_row("random", 36, 36, 36, 36)], playing)
    assert gauntlet_alarms([_row("random", 35, 36, 36, 36)], playing) == []
    below = gauntlet_alarms([_row("random", 94, 100, 96, 100)], playing)
    assert "saturation" not in [a.kind for a in below]


def _battle(p1, p2, decisions, **faults):
    values = dict(
        tournament_id=1,
        pairing="x",
        pair_index=0,
        game=0,
        format="gen1ou",
        battle_tag="b",
        p1_agent_id=p1,
        p2_agent_id=p2,
        turns=10,
        duration=1.0,
        end_reason="normal",
        p1_decisions=decisions,
        p2_decisions=decisions,
        p1_log=b"",
        p2_log=b"",
    )
    return Battle(**(values | faults))


def test_fault_alarms_report_a_rise_beyond_chance():
    names = {1: "cand", 2: "inc"}
    risen = [_battle(1, 2, 500, p1_timeouts=20, p2_timeouts=2)]
    kinds = {a.kind for a in fault_alarms(risen, names, "cand", "inc")}
    assert kinds == {"fallbacks", "timeouts"}
    invalid = [_battle(2, 1, 500, p2_invalid=15)]
    alarm = fault_alarms(invalid, names, "cand", "inc")
    assert [a.kind for a in alarm] == ["invalid"] and "15 in 500" in alarm[0].message
    even = [_battle(1, 2, 500, p1_errors=3, p2_errors=2)]
    assert fault_alarms(even, names, "cand", "inc") == []
