"""The trainer learns what constructed data teaches, and its diagnosis says so."""

import pytest
import torch

from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.training.learn import transitions
from arena.training.learn.run import slot_frequency
from arena.training.learn.trainer import RunInfo, TrainConfig, Trainer, predict
from tests import synthetic


def fit(tmp_path, decisions, steps: int, epochs: int = 1, **config) -> Trainer:
    """A tiny model trained on `decisions` (10% of battles held out) by the real loop."""
    config = TrainConfig(epochs=epochs, steps_per_epoch=steps, batch=64, lr=1e-3, **config)
    train_rows, held_rows = decisions.split_by_battle(0.1, seed=0)
    reward = synthetic.REWARD(train_rows.components)
    scale = transitions.return_scale(reward, train_rows, config.gamma)

    def build(rows):
        return transitions.build(
            rows, synthetic.REWARD(rows.components), config.gamma, scale, "cpu"
        )

    info = RunInfo("damage", "synthetic", None, slot_frequency(train_rows))
    trainer = Trainer(
        config,
        initialise(PolicyConfig.sized("tiny"), seed=0),
        build(train_rows),
        build(held_rows),
        info,
        tmp_path,
    )
    trainer.finish_epoch({}, None)
    for _ in range(epochs):
        metrics = trainer.run_epoch()
        trainer.epoch += 1
        trainer.finish_epoch(metrics, None)
    return trainer


def test_the_critic_recovers_the_values_of_a_chain(tmp_path):
    gamma = 0.9
    trainer = fit(
        tmp_path,
        synthetic.chain(battles=60, length=4),
        steps=600,
        algo="offline-ac",
        gamma=gamma,
        polyak=0.05,
    )
    value = predict(trainer.model.eval(), trainer.held_out)["value"] * trainer.train.scale
    turn = trainer.held_out.turn
    for t in range(1, 5):
        truth = gamma ** (4 - t)
        assert value[turn == t].mean().item() == pytest.approx(truth, abs=0.1)


@pytest.mark.parametrize("actor_filter", ["exp", "binary"])
def test_advantage_filtering_prefers_the_better_action(tmp_path, actor_filter):
    trainer = fit(
        tmp_path,
        synthetic.two_actions(battles=400, seed=1),
        steps=300,
        algo="offline-ac",
        filter=actor_filter,
    )
    probs = predict(trainer.model.eval(), trainer.held_out)["logp"].exp()
    assert probs[:, 0].mean().item() > 0.75


def test_behaviour_cloning_on_the_same_data_stays_near_the_behaviour(tmp_path):
    trainer = fit(tmp_path, synthetic.two_actions(battles=400, seed=1), steps=300, algo="bc")
    probs = predict(trainer.model.eval(), trainer.held_out)["logp"].exp()
    assert probs[:, 0].mean().item() == pytest.approx(0.5, abs=0.12)


def test_shuffled_rewards_are_diagnosed_as_not_learning_the_reward(tmp_path):
    trainer = fit(
        tmp_path,
        synthetic.two_actions(battles=400, seed=2, shuffled=True),
        steps=150,
        epochs=2,
        algo="offline-ac",
    )
    last = trainer.history[-1]
    assert last["verdict"].startswith("critic is not learning the reward"), last["verdict"]
    assert last["critic_ev"] < 0.1


def test_a_reward_that_follows_the_action_is_diagnosed_as_learning(tmp_path):
    trainer = fit(
        tmp_path,
        synthetic.two_actions(battles=400, seed=2),
        steps=150,
        epochs=2,
        algo="offline-ac",
    )
    last = trainer.history[-1]
    assert last["verdict"].startswith("learning:"), last["verdict"]
    assert last["critic_ev"] > 0.5
    assert last["kl_from_init"] > 0.05


def test_unknown_actions_are_left_out_of_the_actor_loss(tmp_path):
    decisions = synthetic.two_actions(battles=400, seed=3)
    hidden = decisions.action == 1  # only the bad action's rows lose their label
    decisions.action[hidden] = -1
    trainer = fit(tmp_path, decisions, steps=200, algo="bc")
    probs = predict(trainer.model.eval(), trainer.held_out)["logp"].exp()
    assert probs[:, 0].mean().item() > 0.9
    assert torch.isfinite(torch.tensor(trainer.history[-1]["nll"]))


def test_a_teachers_distribution_is_what_the_policy_learns(tmp_path):
    """The behaviour is 50/50 and the reward favours slot 0, but the teacher says 80% slot
    1: with the whole policy loss on the teacher, the policy takes the teacher's odds."""
    decisions = synthetic.two_actions(battles=400, seed=1)
    decisions.teacher[:, :2] = (0.2, 0.8)
    trainer = fit(tmp_path, decisions, steps=300, algo="bc", teacher_weight=1.0)
    probs = predict(trainer.model.eval(), trainer.held_out)["logp"].exp()
    assert probs[:, 1].mean().item() == pytest.approx(0.8, abs=0.07)
    assert trainer.history[-1]["teacher_top1"] == 1.0
    assert trainer.history[-1]["teacher_ce"] < trainer.history[0]["teacher_ce"]
