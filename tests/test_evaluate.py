"""`arena evaluate` end to end on a real server: verdicts, exit codes, the stored test,
resume by name, alarms, and bad input that stores nothing."""

import json

import pytest

from arena.errors import ArenaError
from arena.gate.alarms import GauntletRow, fault_alarms, gauntlet_alarms
from arena.gate.evaluation import EvaluationConfig, HeadToHead, Lineup, evaluate
from arena.rating.stats import Outcome, wilson
from arena.store.database import Battle, Store
from tests.conftest import run_arena
from tests.test_tournament import _start_until

FAST = ["--elo1", "150", "--concurrency", "8"]  # a wide gap: sweeps decide in ~10 pairs


def _evaluate(server, db, *args, timeout=300):
    return run_arena(
        "evaluate", *args, "--server", server.websocket_url, "--db", db, timeout=timeout
    )


def _battles(store, name):
    return store.battles([store.evaluation(name).tournament_id])


def test_stronger_candidate_is_promoted_in_a_handful_of_pairs(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'eval.db'}"
    args = ["gym-leader", "--incumbent", "random", "--opponents", "max-power", "--name", "up"]
    result = _evaluate(server, db, *args, *FAST)
    assert result.returncode == 0, result.stderr
    assert "PROMOTE" in result.stdout and "gauntlet" in result.stdout
    store = Store.open(db)
    row = store.evaluation("up")
    assert (row.status, row.verdict) == ("finished", "PROMOTE")
    trajectory = json.loads(row.trajectory)
    assert len(trajectory) == row.pairs == sum(json.loads(row.pentanomial))
    first_crossing = next(i for i, llr in enumerate(trajectory, 1) if llr >= 2.944)
    assert first_crossing <= 15
    assert json.loads(row.report)["decided_at"] == first_crossing
    battles = _battles(store, "up")
    pairings = {b.pairing for b in battles}
    assert pairings == {
        "gym-leader vs random",
        "gym-leader vs max-power",
        "random vs max-power",
    }
    # the schedule stopped at the decision: only the games in flight were added after it
    assert len(battles) < 3 * 2 * (first_crossing + 8)

    again = _evaluate(server, db, *args, *FAST)
    assert again.returncode == 0 and "PROMOTE" in again.stdout
    assert len(_battles(store, "up")) == len(battles)

    other = _evaluate(server, db, *args, "--elo1", "100")
    assert other.returncode == 2
    assert "exists with other elo1" in other.stderr


def test_killed_evaluation_resumes_by_name(server, tmp_path):
    db_path = tmp_path / "eval.db"
    db = f"sqlite:///{db_path}"
    args = [
        "evaluate",
        "gym-leader",
        "--incumbent",
        "random",
        "--opponents",
        "max-power",
        "--elo1",
        "80",  # 15 pairs at the least
        "--format",
        "gen1randombattle",
        "--concurrency",
        "6",
        "--name",
        "killme",
        "--db",
        db,
        "--server",
        server.websocket_url,
    ]
    process = _start_until(args, db_path, battles=12)
    process.kill()
    process.wait()
    store = Store.open(db)
    assert store.evaluation("killme").verdict is None
    before = {(b.id, b.battle_tag) for b in _battles(store, "killme")}
    assert 12 <= len(before) < 90
    result = run_arena(*args)
    assert result.returncode == 0, result.stderr
    row = store.evaluation("killme")
    assert (row.status, row.verdict) == ("finished", "PROMOTE")
    after = _battles(store, "killme")
    assert before <= {(b.id, b.battle_tag) for b in after}
    h2h = [b for b in after if b.pairing == "gym-leader vs random"]
    pairs = {b.pair_index for b in h2h if sum(c.pair_index == b.pair_index for c in h2h) == 2}
    assert len(json.loads(row.trajectory)) == row.pairs == len(pairs) >= 15


def test_weaker_candidate_is_rejected_with_a_regression_alarm(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'eval.db'}"
    args = ["random", "--incumbent", "gym-leader", "--opponents", "max-power", "--name", "down"]
    result = _evaluate(server, db, *args, *FAST)
    assert result.returncode == 10, result.stderr
    assert "REJECT" in result.stdout
    assert "ALARM regression: against max-power" in result.stdout
    row = Store.open(db).evaluation("down")
    assert row.verdict == "REJECT" and json.loads(row.trajectory)[-1] < 0


def test_random_as_opponent_raises_a_saturation_alarm(server, tmp_path):
    """Both agents beat random nearly always in gen1randombattle (measured: simple-heuristic
    98-100%, grunt 98-99.5%), so 200 games each put both lower bounds well above 90%. With elo1 = 10
    one pair moves the LLR by at most ln(s1 / s0) = 0.029, so the head-to-head cannot
    reach +-6.9 (alpha = beta = 0.001) in 100 pairs and every pair is played."""
    db = f"sqlite:///{tmp_path / 'eval.db'}"
    result = _evaluate(
        server,
        db,
        "simple-heuristic",
        "--incumbent",
        "grunt",
        "--opponents",
        "random",
        "--elo1",
        "10",
        "--alpha",
        "0.001",
        "--beta",
        "0.001",
        "--max-pairs",
        "100",
        "--concurrency",
        "16",
        "--format",
        "gen1randombattle",
        "--name",
        "flat",
        timeout=900,
    )
    print(result.stdout)
    assert result.returncode == 11, result.stderr
    assert "INCONCLUSIVE" in result.stdout
    assert "ALARM saturation: against random" in result.stdout
    assert "add a harder opponent such as max-power" in result.stdout
    assert Store.open(db).evaluation("flat").pairs == 100


def test_other_commands_get_the_report_from_one_function(tmp_path):
    """Called as `arena promote` will call it: no server given, one is started for it."""
    db = f"sqlite:///{tmp_path / 'eval.db'}"
    config = _config(
        name="called",
        candidate="gym-leader",
        incumbent="random",
        opponents=("max-power",),
        elo1=300.0,
        format="gen1randombattle",
        concurrency=8,
    )
    report = evaluate(config, db)
    assert (report.verdict, report.exit_code) == ("PROMOTE", 0)
    assert report.decided_at is not None and report.decided_at <= report.pairs
    assert report.elo.elo_low > 0 and report.llr > 0
    assert [row.opponent for row in report.gauntlet] == ["max-power"]
    assert report.gauntlet[0].candidate_games > 0 and report.gauntlet[0].incumbent_games > 0
    assert Store.open(db).evaluation("called").verdict == "PROMOTE"


# -- the verdict and the alarms on known numbers ---------------------------------------

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
        teams=None,
        concurrency=1,
        seed=0,
        decision_timeout=10,
        max_failures=5,
        battle_time_limit=900,
    )
    return EvaluationConfig(**(values | changes))


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


# -- bad input: one line, exit 2, nothing stored ---------------------------------------

BAD = {
    "elo0 not below elo1": (["--elo0", "10", "--elo1", "5"], "--elo0 must be below --elo1"),
    "equal bounds": (["--elo0", "5", "--elo1", "5"], "--elo0 must be below --elo1"),
    "alpha zero": (["--alpha", "0"], "--alpha must lie strictly between 0 and 0.5"),
    "beta one half": (["--beta", "0.5"], "--beta must lie strictly between 0 and 0.5"),
    "no pairs": (["--max-pairs", "0"], "--max-pairs must be at least 1"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_hypotheses_store_nothing(case, tmp_path):
    args, expected = BAD[case]
    _check_refused(tmp_path, ["gym-leader", "--incumbent", "random", *args], expected)


@pytest.mark.parametrize(
    ("candidate", "incumbent"),
    [("random", "random"), ("gym-leader", "arena.models.heuristics.gym_leader:GymLeaderPlayer")],
)
def test_candidate_equal_to_incumbent_stores_nothing(candidate, incumbent, tmp_path):
    _check_refused(tmp_path, [candidate, "--incumbent", incumbent], "are the same agent")


def test_opponent_already_playing_stores_nothing(tmp_path):
    args = ["gym-leader", "--incumbent", "grunt", "--opponents", "random,grunt"]
    _check_refused(tmp_path, args, "--opponents: 'grunt' is already in the evaluation")


def _check_refused(tmp_path, args, expected):
    db_file = tmp_path / "refused.db"
    result = run_arena("evaluate", *args, "--db", f"sqlite:///{db_file}")
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: "), result.stderr
    assert expected in lines[0]
    assert not db_file.exists()


def test_the_function_plays_on_a_server_this_process_started(server, tmp_path):
    """The session's server was started in this process, as a caller of evaluate() does."""
    db = f"sqlite:///{tmp_path / 'eval.db'}"
    config = _config(
        name="here",
        candidate="gym-leader",
        incumbent="random",
        opponents=("max-power",),
        elo1=300.0,
        max_pairs=2,
        format="gen1randombattle",
        concurrency=4,
    )
    report = evaluate(config, db, server.websocket_url)
    assert report.pairs == 2 and report.verdict is not None


@pytest.mark.parametrize("address", ["127.0.0.1:{port}", "http://127.0.0.1:{port}", "local"])
def test_an_address_that_is_not_a_websocket_is_one_error_storing_nothing(server, tmp_path, address):
    db_path = tmp_path / "eval.db"
    url = address.format(port=server.port)
    with pytest.raises(ArenaError) as error:
        evaluate(_config(candidate="gym-leader", incumbent="random"), f"sqlite:///{db_path}", url)
    assert str(error.value) == (
        f"{url!r} is not a websocket address (ws://HOST:PORT/showdown/websocket)"
    )
    assert not db_path.exists()
