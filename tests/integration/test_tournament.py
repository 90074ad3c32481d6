"""`arena tournament` end to end on a real server, with the store it writes."""

import csv
import signal
import sqlite3
import subprocess
import time
from collections import Counter

import pytest

from arena.report.leaderboard import standings
from arena.store.database import Store
from tests.conftest import run_arena, showdown_pids, start_arena


def _tournament(server, db, *args):
    return run_arena("tournament", "--server", server.websocket_url, "--db", db, *args)


def _store(db):
    return Store.open(db)


def _rows(db, name):
    store = _store(db)
    return store.battles([store.tournament(name).id])


def test_round_robin_ranks_random_last(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'rr.db'}"
    agents = "gym-leader,simple-heuristic,max-power,random"
    result = _tournament(server, db, "--agents", agents, "--games-per-pair", "8", "--name", "rr")
    assert result.returncode == 0, result.stderr
    battles = _rows(db, "rr")
    assert len(battles) == 6 * 8
    store = _store(db)
    table = standings(battles, store.agent_names())
    by_trueskill = [r.agent for r in table]
    by_bradley_terry = [r.agent for r in sorted(table, key=lambda r: -r.bt_elo)]
    assert by_trueskill[-1] == "random" and by_bradley_terry[-1] == "random"
    assert {r.agent: r.bt_elo for r in table}["random"] == pytest.approx(1000)
    assert store.tournament("rr").status == "finished"
    assert "leaderboard" in result.stdout


def test_killed_tournament_resumes_exactly(server, tmp_path):
    db_path = tmp_path / "resume.db"
    db = f"sqlite:///{db_path}"
    args = [
        "tournament",
        "--server",
        server.websocket_url,
        "--db",
        db,
        "--agents",
        "random,max-power,grunt",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "20",
        "--concurrency",
        "6",
        "--name",
        "killme",
    ]
    process = _start_until(args, db_path, battles=12)
    process.kill()
    process.wait()
    before = {(b.id, b.battle_tag) for b in _rows(db, "killme")}
    assert 12 <= len(before) < 60
    result = run_arena(
        "tournament", "--resume", "killme", "--db", db, "--server", server.websocket_url
    )
    assert result.returncode == 0, result.stderr
    after = _rows(db, "killme")
    keys = Counter((b.pairing, b.pair_index, b.game) for b in after)
    assert len(after) == 60 and max(keys.values()) == 1
    assert before <= {(b.id, b.battle_tag) for b in after}


def _start_until(args, db_path, battles: int) -> subprocess.Popen:
    """`arena ARGS` in the background, returned once the store holds `battles` battles."""
    process = start_arena(*args)
    deadline = time.monotonic() + 120
    while _count(db_path) < battles and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    return process


def _count(db_path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path) as connection:
            return connection.execute("select count(*) from battle").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_failing_agents_finish_with_their_failures_counted(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'faults.db'}"
    agents = "tests.user_bots:RaisingPlayer,tests.user_bots:SleepyPlayer,random"
    result = _tournament(
        server,
        db,
        "--agents",
        agents,
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "2",
        "--decision-timeout",
        "0.5",
        "--max-failures",
        "3",
        "--name",
        "faults",
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr  # it would print over the live view
    log = (tmp_path / "faults.log").read_text()
    assert "Traceback" in log and "RuntimeError: this agent always fails" in log
    store = _store(db)
    battles = _rows(db, "faults")
    assert len(battles) == 6
    table = {r.agent: r for r in standings(battles, store.agent_names())}
    raising, sleepy = table["tests.user_bots:RaisingPlayer"], table["tests.user_bots:SleepyPlayer"]
    assert raising.errors > 0 and raising.timeouts == 0
    assert sleepy.timeouts > 0 and sleepy.errors == 0
    assert table["random"].errors == table["random"].timeouts == table["random"].forfeits == 0
    names = store.agent_names()
    for b in battles:
        sides = {
            names[b.p1_agent_id]: b.p1_errors + b.p1_timeouts,
            names[b.p2_agent_id]: b.p2_errors + b.p2_timeouts,
        }
        loser = b.end_reason.removeprefix("forfeit: ").split(" failed")[0]
        assert b.end_reason == f"forfeit: {loser} failed 3 decisions"
        assert sides[loser] == 3
        assert b.winner is not None and names[(b.p1_agent_id, b.p2_agent_id)[b.winner]] != loser


def test_a_blocking_synchronous_bot_is_timed_out_while_other_games_go_on(server, tmp_path):
    """Its choose_move sleeps 30 s in plain Python: run on the event loop it would stall
    every battle until the websockets died; in its own thread it only loses its games."""
    db = f"sqlite:///{tmp_path / 'blocking.db'}"
    blocking = "tests.user_bots:BlockingPlayer"
    result = _tournament(
        server,
        db,
        "--agents",
        f"{blocking},random,max-power",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "4",
        "--decision-timeout",
        "0.5",
        "--max-failures",
        "3",
        "--name",
        "blocking",
    )
    assert result.returncode == 0, result.stderr
    assert "ConnectionClosed" not in result.stderr
    store = _store(db)
    names = store.agent_names()
    battles = _rows(db, "blocking")
    assert len(battles) == 12
    for b in battles:
        sides = (names[b.p1_agent_id], names[b.p2_agent_id])
        if blocking in sides:
            me = sides.index(blocking)
            assert b.end_reason == f"forfeit: {blocking} failed 3 decisions"
            assert (b.p1_timeouts, b.p2_timeouts)[me] == 3
            assert b.winner == 1 - me
        else:
            assert b.end_reason in ("normal", "tie") and b.p1_timeouts == b.p2_timeouts == 0


def test_battle_over_its_wall_clock_limit_is_ended_and_recorded(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'wall.db'}"
    result = _tournament(
        server,
        db,
        "--agents",
        "tests.user_bots:SleepyPlayer,random",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "2",
        "--decision-timeout",
        "60",
        "--battle-time-limit",
        "2",
        "--name",
        "w",
    )
    assert result.returncode == 0, result.stderr
    battles = _rows(db, "w")
    assert len(battles) == 2
    assert all(b.end_reason == "time limit: over 2s" and b.winner is None for b in battles)
    assert all(b.duration < 30 for b in battles)
    board = standings(battles, _store(db).agent_names())
    assert all(row.games == 2 and row.time_limited == 2 and row.ties == 0 for row in board)


def test_csv_export_equals_the_store(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'csv.db'}"
    result = _tournament(
        server,
        db,
        "--agents",
        "random,max-power,simple-heuristic",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "4",
        "--name",
        "c",
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "board.csv"
    exported = run_arena("leaderboard", "--tournament", "c", "--csv", str(out), "--db", db)
    assert exported.returncode == 0, exported.stderr
    with open(out) as handle:
        rows = {row["agent"]: row for row in csv.DictReader(handle)}
    store = _store(db)
    names = store.agent_names()
    tally = Counter()
    for b in _rows(db, "c"):
        for side, agent in enumerate((names[b.p1_agent_id], names[b.p2_agent_id])):
            tally[agent, "games"] += 1
            outcome = "ties" if b.winner is None else ("wins" if b.winner == side else "losses")
            tally[agent, outcome] += 1
    assert set(rows) == {"random", "max-power", "simple-heuristic"}
    for agent, row in rows.items():
        for column in ("games", "wins", "losses", "ties"):
            assert int(row[column]) == tally[agent, column]
    expected = standings(_rows(db, "c"), names)
    assert [r.agent for r in expected] == [row["agent"] for row in rows.values()]
    assert all(float(rows[r.agent]["bt_elo"]) == pytest.approx(r.bt_elo) for r in expected)


def test_postgres_store(server, postgres_url):
    args = [
        "--agents",
        "random,max-power",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "4",
        "--name",
        "pg",
    ]
    first = _tournament(server, postgres_url, *args)
    assert first.returncode == 0, first.stderr
    again = _tournament(server, postgres_url, *args)
    assert again.returncode == 0, again.stderr
    battles = _rows(postgres_url, "pg")
    assert len(battles) == 4
    store = Store.open(postgres_url)
    logs = [store.battle(b.id) for b in battles]
    assert all(b.p1_log and b.p2_log for b in logs)


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_finishes_battles_in_flight_and_marks_it_interrupted(
    server, tmp_path, stop, code
):
    db_path = tmp_path / "int.db"
    args = [
        "tournament",
        "--server",
        server.websocket_url,
        "--db",
        f"sqlite:///{db_path}",
        "--agents",
        "random,max-power",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "200",
        "--concurrency",
        "4",
        "--name",
        "int",
    ]
    process = _start_until(args, db_path, battles=4)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    store = Store.open(f"sqlite:///{db_path}")
    assert store.tournament("int").status == "interrupted"
    assert 4 <= _count(db_path) < 200
    assert "finishing the battles in flight" in stderr


BAD = {
    "missing checkpoint": (["--models", "ckpts/nope.pt"], "no such checkpoint: ckpts/nope.pt"),
    "unknown agent": (["--agents", "random,nobody"], "unknown agent 'nobody'"),
    "gauntlet without candidate": (["--mode", "gauntlet"], "--mode gauntlet needs --candidate"),
    "odd games per pair": (["--games-per-pair", "3"], "positive even number"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_tournament_input(case, tmp_path):
    args, expected = BAD[case]
    db_path = tmp_path / "never.db"
    _check_rejected(["--db", f"sqlite:///{db_path}", *args], expected)
    assert not db_path.exists()


def test_unreachable_db():
    _check_rejected(
        ["--db", "postgresql+psycopg://arena@127.0.0.1:1/none"],
        "cannot open the store at postgresql+psycopg://arena@127.0.0.1:1/none",
    )


def test_log_level_is_checked_before_anything_starts(tmp_path):
    db_path = tmp_path / "never.db"
    before = showdown_pids()
    result = run_arena("--log-level", "loud", "tournament", "--db", f"sqlite:///{db_path}")
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines() == [
        "arena: --log-level 'loud': use one of debug, info, warning, error, critical"
    ]
    assert not db_path.exists() and showdown_pids() == before


def _check_rejected(args, expected):
    before = showdown_pids()
    result = run_arena("tournament", "--agents", "random,max-power", *args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert showdown_pids() == before


def test_worker_processes_play_the_same_schedule(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'workers.db'}"
    args = [
        "--agents",
        "random,max-power,grunt",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "6",
        "--workers",
        "2",
        "--name",
        "wk",
    ]
    result = _tournament(server, db, *args)
    assert result.returncode == 0, result.stderr
    battles = _rows(db, "wk")
    assert len(battles) == 18
    assert len({(b.pairing, b.pair_index, b.game) for b in battles}) == 18
    assert _store(db).tournament("wk").status == "finished"
