"""The `battles` and `replay` commands on a store with ladder games."""

import shutil

from arena.store.database import Store
from tests.conftest import REPO, run_arena


def _fixture_store(tmp_path) -> str:
    path = tmp_path / "arena.db"
    shutil.copyfile(REPO / "tests" / "data" / "main-6c24063" / "arena.db", path)
    Store.open(f"sqlite:///{path}")  # a writer upgrades it: reports never migrate
    return f"sqlite:///{path}"


def test_battles_lists_ladder_games(tmp_path):
    db = _fixture_store(tmp_path)
    ladder = run_arena("battles", "--ladder", "--db", db)
    assert ladder.returncode == 0, ladder.stderr
    assert "ladder test gen1ou" in ladder.stdout and "max-power vs grunt" not in ladder.stdout
    everything = run_arena("battles", "--all", "--db", db)
    assert "ladder test gen1ou" in everything.stdout and "max-power vs grunt" in everything.stdout


def test_replay_of_a_ladder_game_shows_the_recorded_side_or_says_why_not(tmp_path):
    db = _fixture_store(tmp_path)
    # battle 8: arena's agent sat on p2, so only p2's view was recorded
    told = run_arena("replay", "8", "--db", db)
    assert told.returncode == 0 and "wins" in told.stdout, told.stderr
    refused = run_arena("replay", "8", "--side", "p1", "--db", db)
    assert refused.returncode != 0 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "arena: battle 8 has no p1 log: only p2's view was recorded "
        "(a ladder game keeps arena's side only); use --side p2"
    ]
    raw = run_arena("replay", "8", "--raw", "--db", db)
    assert raw.stdout.startswith("|init|battle") or "|player|p2|" in raw.stdout
