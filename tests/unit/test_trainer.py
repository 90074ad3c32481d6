"""Transitions chain each side's decisions and discount returns to the end of the battle."""

import numpy as np
import pytest
import torch

from arena.training.learn import transitions
from tests import synthetic


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models train fastest on one thread, above all on a busy two-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_transitions_chain_each_side_and_discount_returns_to_the_end():
    decisions = synthetic.chain(battles=2, length=3)
    order = np.random.default_rng(0).permutation(len(decisions))
    shuffled = decisions.take(order)
    next_row, terminal = transitions.chains(shuffled)
    returns = transitions.monte_carlo(
        synthetic.REWARD(shuffled.components), next_row, terminal, 0.5
    )
    expected = {1: 0.25, 2: 0.5, 3: 1.0}
    assert [expected[t] for t in shuffled.turn] == pytest.approx(returns.tolist())
    assert terminal.tolist() == (shuffled.turn == 3).tolist()
