"""`arena selfplay` end to end on a real server: stored, resumed, kept out of ratings."""

from collections import Counter

import pytest

from arena.report.leaderboard import standings
from arena.store.database import Store
from arena.store.tables import decode_choices
from tests.conftest import run_arena
from tests.integration.test_tournament import _start_until


def _selfplay(server, db, *args):
    return run_arena("selfplay", "--server", server.websocket_url, "--db", db, *args)


def _battles(db, name):
    store = Store.open(db)
    return store, store.battles([store.tournament(name).id])


def test_selfplay_is_stored_as_its_own_kind_and_stays_out_of_ratings(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'selfplay.db'}"
    regular = run_arena(
        "tournament",
        *("--server", server.websocket_url, "--db", db, "--name", "regular"),
        *("--agents", "grunt,random", "--games-per-pair", "2"),
    )
    assert regular.returncode == 0, regular.stderr
    result = _selfplay(
        server, db, "grunt", "--opponents", "random,max-power", "--games", "4", "--name", "sp"
    )
    assert result.returncode == 0, result.stderr
    assert "sp: 12 of 12 games stored (4 against itself)" in result.stdout
    store, battles = _battles(db, "sp")
    assert store.tournament("sp").kind == "selfplay"
    assert store.tournament("sp").status == "finished"
    assert store.tournament("regular").kind == "tournament"
    names = store.agent_names()
    by_pairing = Counter(b.pairing for b in battles)
    assert by_pairing == {"grunt vs grunt#2": 4, "grunt vs random": 4, "grunt vs max-power": 4}
    mirrors = [b for b in battles if b.pairing == "grunt vs grunt#2"]
    assert all(names[b.p1_agent_id] == names[b.p2_agent_id] == "grunt" for b in mirrors)
    assert set(names.values()) == {"grunt", "random", "max-power"}  # no "grunt#2" identity
    for listed in battles:
        battle = store.battle(listed.id)
        assert len(decode_choices(battle.p1_choices)) == battle.p1_decisions > 0
        assert len(decode_choices(battle.p2_choices)) == battle.p2_decisions > 0

    every = {row.agent: row for row in standings(store.battles(), names)}
    assert every["grunt"].games == 2 + 8  # the regular pair and the 8 against opponents
    board = run_arena("leaderboard", "--db", db, "--markdown", "-")
    assert board.returncode == 0, board.stderr
    assert "max-power" not in board.stdout  # the default is the latest regular tournament
    board = run_arena("leaderboard", "--db", db, "--all", "--markdown", "-")
    assert board.returncode == 0, board.stderr
    assert "grunt#2" not in board.stdout and "max-power" in board.stdout

    for command, message in (
        (["selfplay", "grunt", "--name", "regular"], "'regular' is a stored tournament"),
        (
            [
                "selfplay",
                "grunt",
                "--opponents",
                "random,max-power",
                "--games",
                "6",
                "--name",
                "sp",
            ],
            "'sp' exists with other games_per_pair",
        ),
        (["tournament", "--resume", "sp"], "'sp' is a stored self-play run"),
    ):
        refused = run_arena(*command, "--server", server.websocket_url, "--db", db)
        assert refused.returncode != 0 and message in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    assert len(store.battles()) == 2 + 12


def test_killed_selfplay_resumes_exactly(server, tmp_path):
    db_path = tmp_path / "resume.db"
    db = f"sqlite:///{db_path}"
    args = [
        *("selfplay", "random", "--opponents", "max-power", "--games", "16"),
        *("--format", "gen1randombattle", "--concurrency", "4", "--name", "again"),
        *("--server", server.websocket_url, "--db", db),
    ]
    process = _start_until(args, db_path, battles=6)
    process.kill()
    process.wait()
    _, before = _battles(db, "again")
    assert 6 <= len(before) < 32
    result = run_arena(*args)
    assert result.returncode == 0, result.stderr
    store, after = _battles(db, "again")
    keys = Counter((b.pairing, b.pair_index, b.game) for b in after)
    assert len(after) == 32 and max(keys.values()) == 1
    assert {(b.id, b.battle_tag) for b in before} <= {(b.id, b.battle_tag) for b in after}
    assert store.tournament("again").kind == "selfplay"


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody"], "unknown agent 'nobody'"),
        (["grunt", "--games", "3"], "--games must be a positive even number"),
        (["grunt", "--opponents", "random,grunt"], "is the agent itself"),
        (["grunt", "--opponents", "random,random"], "'random' is named twice"),
        (["grunt", "--teams", "/nonexistent/pool"], "/nonexistent/pool"),
    ],
)
def test_bad_selfplay_input_is_one_line_and_writes_nothing(server, tmp_path, args, message):
    db_path = tmp_path / "bad.db"
    result = _selfplay(server, f"sqlite:///{db_path}", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not db_path.exists() and not (tmp_path / "bad.log").exists()


def test_failures_are_logged_beside_the_store_not_over_the_live_view(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'faults.db'}"
    result = _selfplay(
        server, db, "random", "--opponents", "tests.user_bots:RaisingPlayer",
        "--format", "gen1randombattle", "--games", "2", "--name", "faults",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    log = (tmp_path / "faults.log").read_text()
    assert "RuntimeError: this agent always fails" in log
