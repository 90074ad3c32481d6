"""Every battle replays exactly, played for real: stochastic agents and a sampling
checkpoint rerun identically, concurrent battles decide as if played alone, and a rerun
names the side and turn where it diverged."""

from pathlib import Path

import pytest

from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.store.database import Store
from arena.store.tables import decode_choices
from tests.conftest import run_arena
from tests.user_bots import DRIFT_TURN

STOCHASTIC = "random,max-power,tests.user_bots:SeededRandomPlayer"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ckpts") / "sampler" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("tiny"), seed=7).save(path)
    return path


def _tournament(db: str, name: str, *args: str) -> None:
    result = run_arena("tournament", "--db", db, "--name", name, *args)
    assert result.returncode == 0, result.stdout + result.stderr


def _played(db: str, name: str) -> dict:
    """Each slot's outcome and both sides' decision records."""
    store = Store.open(db)
    played = {}
    for listed in store.battles([store.tournament(name).id]):
        battle = store.battle(listed.id)
        choices = [decode_choices(battle.p1_choices), decode_choices(battle.p2_choices)]
        played[(battle.pairing, battle.pair_index, battle.game)] = (
            battle.id,
            battle.winner,
            battle.turns,
            choices,
        )
    return played


def _rerun(db: str, battle_id: int):
    return run_arena("replay", str(battle_id), "--rerun", "--db", db)


def test_stochastic_agents_and_a_sampling_checkpoint_rerun_exactly(tmp_path, checkpoint):
    """random, max-power (random switches), a user's bot drawing from `rng_for` and a
    checkpoint at temperature 1, six battles at once: each rerun alone matches."""
    db = f"sqlite:///{tmp_path / 'stochastic.db'}"
    field = ["--agents", STOCHASTIC, "--models", str(checkpoint), "--temperature", "1"]
    _tournament(db, "together", *field, "--games-per-pair", "2", "--concurrency", "12")
    played = _played(db, "together")
    assert len(played) == 6 * 2  # six pairings
    for battle_id, winner, turns, _ in played.values():
        rerun = _rerun(db, battle_id)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        outcome = "tie" if winner is None else f"p{winner + 1} won"
        assert f"{outcome} in {turns} turns: reproduced (identical protocol)" in rerun.stdout


def test_concurrent_battles_decide_as_battles_played_one_at_a_time(tmp_path, checkpoint):
    db = f"sqlite:///{tmp_path / 'concurrent.db'}"
    field = ["--agents", STOCHASTIC, "--models", str(checkpoint), "--temperature", "1"]
    _tournament(db, "alone", *field, "--games-per-pair", "2", "--concurrency", "1")
    _tournament(db, "together", *field, "--games-per-pair", "2", "--concurrency", "12")
    _tournament(db, "workers", *field, "--games-per-pair", "2", "--workers", "2")
    alone = {slot: rest for slot, (_, *rest) in _played(db, "alone").items()}
    assert len(alone) == 12
    for name in ("together", "workers"):
        assert {slot: rest for slot, (_, *rest) in _played(db, name).items()} == alone, name


def test_rerun_names_the_side_and_the_turn_that_diverged_first(tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 'drift.db'}"
    agents = "tests.user_bots:DriftingPlayer,gym-leader"
    _tournament(db, "drift", "--agents", agents, "--games-per-pair", "2")
    store = Store.open(db)
    names = store.agent_names()
    for listed in store.battles([store.tournament("drift").id])[:2]:
        side = "p1" if "Drifting" in names[listed.p1_agent_id] else "p2"
        assert listed.turns >= 3
        monkeypatch.setenv(DRIFT_TURN, "3")
        rerun = _rerun(db, listed.id)
        monkeypatch.delenv(DRIFT_TURN)
        assert rerun.returncode == 1, rerun.stdout + rerun.stderr
        assert "DIFFERS" in rerun.stdout
        drifter = f"tests.user_bots:DriftingPlayer ({side})"
        assert f"{drifter} diverged first, at turn 3 (stored /choose " in rerun.stdout
        assert rerun.stdout.rstrip().endswith("rerun /choose default)")
        assert _rerun(db, listed.id).returncode == 0, "without the drift it reproduces"
