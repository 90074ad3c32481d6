"""`arena data import` and `arena data build --replays` as a user runs them: the shipped
replay fixture stored once, bad files named and counted, and the replays kept out of
arena's own standings."""

import json

from arena.training.data import dataset
from tests.conftest import REPO, run_arena

FIXTURE = REPO / "tests" / "data" / "replays" / "gen1ou-arena1.json"


def test_import_then_build_from_each_players_view(tmp_path):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    cut = tmp_path / "cut.json"
    data = json.loads(FIXTURE.read_text())
    cut.write_text(json.dumps(data | {"id": "cut", "log": data["log"][:2000]}))
    (tmp_path / "junk.log").write_text("nothing here\n")

    done = run_arena(
        "data",
        "import",
        str(FIXTURE),
        str(FIXTURE),
        str(cut),
        str(tmp_path / "junk.log"),
        "--format",
        "gen1ou",
        "--db",
        db,
    )
    assert done.returncode == 0, done.stderr
    assert "1 replays stored of 4 files" in done.stdout
    assert "1 duplicate, 1 malformed, 1 truncated" in done.stdout
    assert f"{cut}: truncated" in done.stdout

    out = tmp_path / "data"
    built = run_arena(
        "data", "build", "--out", str(out), "--replays", "--min-rating", "1500", "--db", db
    )
    assert built.returncode == 0, built.stderr
    manifest = dataset.read_manifest(out)
    assert manifest.agents == ["gymleader-1aea95", "maxpower-c3d1ab"]
    assert manifest.query["replays"] and manifest.query["min_rating"] == 1500
    assert manifest.decisions > 40

    higher = run_arena(
        "data",
        "build",
        "--out",
        str(tmp_path / "high"),
        "--replays",
        "--min-rating",
        "1600",
        "--db",
        db,
    )
    assert higher.returncode == 2 and "no stored battle matches" in higher.stderr + higher.stdout

    board = run_arena("leaderboard", "--all", "--db", db)
    assert "gymleader-1aea95" not in board.stdout
