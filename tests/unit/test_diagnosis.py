"""The diagnosis's measures on cases whose answers are known by construction."""

import numpy as np
import pytest

from arena.training.learn import diagnosis


def test_explained_variance_is_one_for_exact_and_zero_for_the_mean():
    target = np.array([0.0, 1.0, 2.0, 3.0])
    assert diagnosis.explained_variance(target, target) == pytest.approx(1.0)
    assert diagnosis.explained_variance(np.full(4, 1.5), target) == pytest.approx(0.0)


def test_auc_ranks_winners_and_counts_ties_as_half():
    label = np.array([True, True, False, False])
    assert diagnosis.auc(np.array([0.9, 0.8, 0.1, 0.2]), label) == pytest.approx(1.0)
    assert diagnosis.auc(np.array([0.1, 0.2, 0.9, 0.8]), label) == pytest.approx(0.0)
    assert diagnosis.auc(np.full(4, 0.5), label) == pytest.approx(0.5)


def test_effective_sample_size_is_one_for_equal_weights_and_falls_with_concentration():
    assert diagnosis.effective_sample_size(np.ones(10)) == pytest.approx(1.0)
    assert diagnosis.effective_sample_size(np.eye(1, 10)[0]) == pytest.approx(0.1)


def _epoch(epoch, **values):
    base = {"nll": 1.0, "nll_uniform": 1.5, "nll_slot_frequency": 1.3, "value_ev": 0.0}
    return {"epoch": epoch, "td_error": 1.0, "kl_from_init": 0.0, **base, **values}


def test_the_verdict_names_behaviour_cloning_when_weights_are_uniform():
    history = [_epoch(0, critic_ev=0.0, ess=1.0), _epoch(3, critic_ev=0.01, ess=0.98)]
    sentence = diagnosis.verdict(history, "offline-ac")
    assert sentence.startswith("critic is not learning the reward: explained variance 0.01")
    assert "TD error flat" in sentence and "this run is behaviour cloning" in sentence


def test_the_verdict_says_learning_when_the_critic_explains_and_the_actor_moves():
    history = [
        _epoch(0, critic_ev=0.0, ess=1.0),
        _epoch(2, critic_ev=0.41, ess=0.6, kl_from_init=0.12, td_error=0.5),
    ]
    sentence = diagnosis.verdict(history, "offline-ac")
    assert (
        sentence == "learning: value explains 41% of returns, actor moved 0.12 nats from its init"
    )
