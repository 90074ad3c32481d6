"""Reward functions: the shipped weights as ARCHITECTURE.md defines them, a user's own."""

import importlib.util

import numpy as np
import pytest

from arena.errors import ArenaError
from arena.training.data.decisions import COMPONENTS
from arena.training.data.rewards import resolve
from tests.conftest import REPO

# damage_done, hp_gain, gave_status, took_status, removed, lost, victory
STEPS = np.array(
    [
        [0.25, 0.5, 1, 0, 1, 0, 0],
        [0.0, 0.0, 0, 1, 0, 1, -1],
        [0.1, 0.0, 0, 0, 0, 0, 1],
    ],
    dtype=np.float32,
)


def user_reward(components):
    return components[:, COMPONENTS.index("removed")] * 3


NOT_A_FUNCTION = 3


def test_default_weights_every_component_and_victory_both_ways():
    expected = [0.75 + 0.5 + 1, -0.5 - 1 - 100, 0.1 + 100]
    np.testing.assert_allclose(resolve("default")(STEPS), expected, rtol=1e-6)


def test_aggressive_rewards_a_win_and_ignores_status_and_loss():
    expected = [0.75 + 2, -2, 0.1 + 200]
    np.testing.assert_allclose(resolve("aggressive")(STEPS), expected, rtol=1e-6)


def test_binary_sees_only_the_outcome():
    np.testing.assert_allclose(resolve("binary")(STEPS), [0, -100, 100])


def test_a_user_function_is_called_on_the_components():
    np.testing.assert_allclose(resolve("tests.unit.test_rewards:user_reward")(STEPS), [3, 0, 0])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nonsense", "unknown reward function"),
        ("tests.unit.test_rewards:NOT_A_FUNCTION", "is not a function"),
        ("tests.unit.test_rewards:missing", "has no 'missing'"),
        ("no_such_module_here:f", "cannot import"),
    ],
)
def test_bad_reward_names_are_one_line_errors(name, message):
    with pytest.raises(ArenaError, match=message):
        resolve(name)


def test_weights_over_the_terms_reproduce_a_builtin():
    text = "damage_done=1,hp_gain=1,removed=2,lost=-2,won=200"
    np.testing.assert_allclose(resolve(text)(STEPS), resolve("aggressive")(STEPS), rtol=1e-6)


def test_a_term_left_out_weighs_nothing():
    np.testing.assert_allclose(resolve("removed=3")(STEPS), [3, 0, 0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("damage_done=1,hp_gian=1", "unknown reward term 'hp_gian' \\(known: damage_done, "),
        ("removed=two", "weight 'two' is not a number"),
    ],
)
def test_a_bad_weight_names_the_term(text, message):
    with pytest.raises(ArenaError, match=message):
        resolve(text)


def test_each_ablation_of_the_reward_script_zeroes_exactly_its_components():
    spec = importlib.util.spec_from_file_location("ablation", REPO / "scripts/reward_ablation.py")
    ablation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ablation)
    for run, terms in ablation.OFF.items():
        kept = STEPS.copy()
        kept[:, [COMPONENTS.index(t) for t in terms]] = 0
        ablated = resolve(ablation.reward_of(run))(STEPS)
        np.testing.assert_allclose(ablated, resolve("default")(kept), rtol=1e-6)
        assert not np.allclose(ablated, resolve("default")(STEPS)), run
