"""Every battle replays exactly: each side draws from a generator derived from the
battle's seed, whatever else the process plays at the same time."""

import random
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from arena.game.choices import Choice
from arena.matchmaking.rerun import first_divergence
from arena.models.chance import current, deciding, route_poke_env_draws, side_random
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig, choose
from arena.store.database import Store, decode_choices
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


def test_the_earlier_decision_is_named_and_simultaneous_ones_together():
    def moves(*orders: str, forced_at: int | None = None) -> list[Choice]:
        return [
            Choice(turn, None, 0, order, 2, turn == forced_at, False)
            for turn, order in enumerate(orders, start=1)
        ]

    same = moves("a", "b", "c")
    assert first_divergence([same, same], [same, same]) is None
    late_p1 = first_divergence([same, same], [moves("a", "b", "x"), moves("a", "x", "c")])
    assert (late_p1.sides, late_p1.turn, late_p1.stored, late_p1.again) == ((1,), 2, "b", "x")
    both = first_divergence([same, same], [moves("a", "x"), moves("a", "y", "c")])
    assert (both.sides, both.turn) == ((0, 1), 2)
    # a turn's moves come before its forced switches
    forced = first_divergence(
        [same, moves("a", "b", "c", forced_at=2)],
        [moves("a", "x", "c"), moves("a", "y", "c", forced_at=2)],
    )
    assert (forced.sides, forced.turn) == ((0,), 2)
    # a side that stopped deciding early diverged where its records end
    ended = first_divergence([same, same], [same, moves("a", "b")])
    assert (ended.sides, ended.turn, ended.again) == ((1,), 3, None)
    assert first_divergence([None, same], [moves("x"), same]) is None, "unrecorded: not compared"


def test_each_side_of_each_battle_has_its_own_repeatable_generator():
    draws = {
        (seed, side): side_random(seed, side).random()
        for seed in ("sodium,00", "sodium,01")
        for side in ("p1", "p2")
    }
    assert len(set(draws.values())) == 4
    assert side_random("sodium,01", "p2").random() == draws[("sodium,01", "p2")]


def test_poke_env_random_helpers_draw_from_the_battle_being_decided():
    from poke_env.player import Player

    route_poke_env_draws()
    battle = SimpleNamespace(valid_orders=list(range(1000)))

    def picks(seed: str) -> list[int]:
        with deciding(side_random(seed, "p1")):
            return [Player.choose_random_singles_move(battle) for _ in range(5)]

    assert picks("sodium,aa") == picks("sodium,aa") != picks("sodium,bb")
    assert current() is random, "outside a decision: Python's global generator"


def test_sampling_follows_the_draws_and_never_picks_an_illegal_action():
    logits = torch.tensor([[0.0, 1.0, 2.0, 3.0]]).repeat(1000, 1)
    mask = torch.tensor([[True, False, True, True]]).repeat(1000, 1)
    draws = (torch.arange(1000, dtype=torch.float64) + 0.5) / 1000
    picked = choose(logits, mask, 1.0, draws)
    assert not (picked == 1).any()
    assert picked.tolist() == sorted(picked.tolist()), "the draw is a quantile"
    expected = torch.softmax(logits[0].masked_fill(~mask[0], float("-inf")), -1)
    counts = torch.bincount(picked, minlength=4) / 1000
    assert torch.allclose(counts, expected.float(), atol=2e-3)
    top = torch.tensor([1.0], dtype=torch.float64)  # where rounding can carry a draw
    assert choose(logits[:1], mask[:1], 1.0, top).item() == 3
