"""Agents are what they play with: resuming a real tournament refuses a checkpoint changed
since it started."""

from arena.store.database import Store
from tests.conftest import run_arena
from tests.unit.test_identity import _checkpoint


def test_resume_refuses_a_checkpoint_changed_since_the_tournament_started(tmp_path, server):
    path = _checkpoint(tmp_path / "run3" / "policy_epoch_1.pt", seed=1)
    db = f"sqlite:///{tmp_path / 't.db'}"
    args = ["--models", str(path), "--agents", "random", "--format", "gen1randombattle"]
    args += ["--games-per-pair", "2", "--server", server.websocket_url]
    first = run_arena("tournament", *args, "--db", db, "--name", "t")
    assert first.returncode == 0, first.stderr
    _checkpoint(path, seed=2)
    resumed = run_arena("tournament", "--resume", "t", "--db", db)
    assert resumed.returncode != 0
    (line,) = resumed.stderr.strip().splitlines()
    assert line.startswith("arena: cannot resume tournament 't': ") and str(path) in line
    assert len(Store.open(db).agents()) == 2  # nothing recorded for the changed file
