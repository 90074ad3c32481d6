"""A teacher labels each replayed decision with its distribution over the action slots:
a `choice_distribution` when the player has one, else its (possibly awaited) choice."""

import numpy as np
import pytest
import torch
from poke_env.player import Player

from arena.errors import ArenaError
from arena.models.neural.actions import N_ACTIONS, N_MOVES
from arena.training.data.protocol import replay
from arena.training.data.teacher import Teacher, identify
from arena.training.learn.diagnosis import teacher_cross_entropy
from tests.unit.test_replay import BATTLE


class SpreadPlayer(Player):
    """Three quarters on its first move, a quarter on its second, or every switch alike."""

    def choice_distribution(self, battle):
        if battle.available_moves:
            first, second = battle.available_moves[:2]
            return [(self.create_order(first), 0.75), (self.create_order(second), 0.25)]
        switches = battle.available_switches
        return [(self.create_order(mon), 1 / len(switches)) for mon in switches]

    def choose_move(self, battle):
        raise AssertionError("a teacher with a distribution is never asked for one move")


class AsyncLastMovePlayer(Player):
    async def choose_move(self, battle):
        if battle.available_moves:
            return self.create_order(battle.available_moves[-1])
        return self.create_order(battle.available_switches[0])


def _targets(spec: str) -> tuple[np.ndarray, np.ndarray]:
    steps = replay(BATTLE, "p1", "gen1ou", teacher=Teacher(spec, "gen1ou"))
    return np.stack([s.teacher for s in steps]), np.stack([s.actions.mask for s in steps])


def test_a_choice_distribution_becomes_the_target():
    targets, mask = _targets("tests.unit.test_teacher:SpreadPlayer")
    assert targets[0].tolist() == [0.75, 0.25] + [0.0] * (N_ACTIONS - 2)
    forced = ~mask[:, :N_MOVES].any(1)
    assert forced.any()
    assert np.allclose(targets[forced], mask[forced] / mask[forced].sum(1, keepdims=True))
    assert np.allclose(targets.sum(1), 1) and not (targets[~mask] > 0).any()


def test_an_async_choice_is_awaited_and_counts_with_probability_one():
    targets, mask = _targets("tests.unit.test_teacher:AsyncLastMovePlayer")
    assert (targets.max(1) == 1).all() and (targets.sum(1) == 1).all()
    assert targets[0].argmax() == 3  # Tauros's last move, Earthquake
    assert mask[np.arange(len(mask)), targets.argmax(1)].all()


@pytest.mark.parametrize("spec", ["gym-leader", "base"])
def test_a_bot_or_a_checkpoint_picks_one_legal_slot_at_every_decision(spec):
    """A checkpoint's player decides asynchronously, on tasks it starts when it is made."""
    targets, mask = _targets(spec)
    assert (targets.sum(1) == 1).all()
    assert mask[np.arange(len(mask)), targets.argmax(1)].all()


def test_the_teacher_is_identified_by_what_it_plays_with():
    assert identify("gym-leader")["name"] == "gym-leader"
    assert identify("gym-leader") != identify("grunt")
    with pytest.raises(ArenaError, match="--teacher"):
        identify("no-such-agent")


def test_the_cross_entropy_to_the_teacher_ignores_illegal_slots():
    logp = torch.log_softmax(torch.tensor([[0.0, 0.0, float("-inf")]]), dim=1)
    teacher = torch.tensor([[0.5, 0.5, 0.0]])
    assert teacher_cross_entropy(logp, teacher).item() == pytest.approx(np.log(2))


def test_a_loop_without_a_teacher_is_stored_as_lineages_were_before_teachers():
    from arena.training.lineage.loop import LoopConfig

    assert not {"teacher", "teacher_weight"} & set(LoopConfig("plain").stored())
    taught = LoopConfig("taught", teacher="gym-leader", teacher_weight=0.5).stored()
    assert (taught["teacher"], taught["teacher_weight"]) == ("gym-leader", 0.5)
