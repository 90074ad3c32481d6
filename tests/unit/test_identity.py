"""Agents are what they play with: kind, spec, checkpoint sha256 and temperature, so a
rewritten checkpoint or another temperature is another agent."""

import pytest

from arena.errors import ArenaError
from arena.game.battle import GameRecord, Seat
from arena.game.player import BattleLog
from arena.matchmaking.tournament import check_unchanged
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import resolve
from arena.store.database import Store


def _checkpoint(path, seed: int):
    initialise(PolicyConfig.sized("tiny"), seed=seed).save(path)
    return path


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 'arena.db'}")


def test_a_rewritten_checkpoint_is_another_agent(tmp_path, store):
    path = _checkpoint(tmp_path / "run1" / "policy_epoch_4.pt", seed=1)
    before = resolve(str(path))
    first = store.agent_id(before)
    assert store.agent_id(resolve(str(path))) == first  # the same file: the same agent
    _checkpoint(path, seed=2)
    after = resolve(str(path))
    second = store.agent_id(after)
    assert second != first
    labels = store.agent_names()
    assert labels[first] == f"run1/epoch_4@{before.sha256[:6]}"
    assert labels[second] == f"run1/epoch_4@{after.sha256[:6]}"


def test_another_temperature_is_another_agent(tmp_path, store):
    path = _checkpoint(tmp_path / "run1" / "policy_epoch_1.pt", seed=1)
    greedy = store.agent_id(resolve(str(path)))
    warm = store.agent_id(resolve(str(path), temperature=0.5))
    assert greedy != warm
    assert store.agent_id(resolve(str(path), device="cuda")) == greedy  # no change of play
    assert store.agent_names()[warm].endswith(",T0.5")


def test_a_name_held_by_one_agent_is_shown_as_it_is(store):
    ids = [store.agent_id(resolve(name)) for name in ("random", "grunt")]
    assert [store.agent_names()[i] for i in ids] == ["random", "grunt"]


def test_check_unchanged_compares_with_the_agents_that_played(tmp_path, store):
    path = _checkpoint(tmp_path / "run1" / "policy_epoch_2.pt", seed=1)
    specs = {spec.name: spec for spec in (resolve(str(path)), resolve("random"))}
    tournament = store.create_tournament("t", {})
    record = GameRecord(
        battle_tag="battle-gen1ou-1",
        seats=tuple(Seat(name, None, BattleLog()) for name in specs),
        winner=0,
        turns=1,
        duration=1.0,
        end_reason="normal",
    )
    ids = {name: store.agent_id(spec) for name, spec in specs.items()}
    assert store.record_battle(tournament.id, "a vs b", 0, "gen1ou", record, ids)
    check_unchanged(store, "t", tournament.id, specs)  # the same agents: no objection
    _checkpoint(path, seed=3)
    changed = {spec.name: spec for spec in (resolve(str(path)), resolve("random"))}
    with pytest.raises(ArenaError, match="cannot resume tournament 't'"):
        check_unchanged(store, "t", tournament.id, changed)
