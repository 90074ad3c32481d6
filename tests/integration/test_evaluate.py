"""`arena evaluate` end to end on a real server: verdicts, exit codes, the stored test,
resume by name, alarms, and bad input that stores nothing."""

import json

import pytest

from arena.errors import ArenaError
from arena.gate.evaluation import evaluate
from arena.store.database import Store
from tests.conftest import run_arena
from tests.integration.test_tournament import _start_until
from tests.unit.test_evaluate import _config

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
