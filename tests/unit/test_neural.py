"""Neural agents without a game: decisions that arrive together share forward passes, and
bad checkpoints are refused clearly."""

import asyncio
from pathlib import Path

import pytest
import torch

from arena.models.neural.actions import actions
from arena.models.neural.batching import InferenceWorker
from arena.models.neural.checkpoint import Checkpoint, CheckpointError, initialise, load
from arena.models.neural.features import (
    encode,
)
from arena.models.neural.policy import PolicyConfig
from tests.unit.test_heuristics import position


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ckpts") / "run1" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("tiny"), seed=1).save(path)
    return path


async def test_decisions_that_arrive_together_share_forward_passes(tiny_checkpoint):
    """A free worker starts at once with every decision of that loop turn; a busy one
    collects the rest, `max_batch` at a time."""
    battle = position(["Tauros", "Alakazam", "Chansey"], "Snorlax")
    observation, mask = encode(battle), actions(battle).mask
    for max_batch, expected_batches in ((64, 1), (8, 7)):
        worker = InferenceWorker(load(tiny_checkpoint).policy(), "cpu", max_batch=max_batch)
        chosen = await asyncio.gather(*(worker.act(observation, mask, 0.0, 0.5) for _ in range(50)))
        assert worker.batches == expected_batches
        assert len(set(chosen)) == 1 and mask[chosen[0]]


def test_bad_checkpoints_are_refused_clearly(tmp_path, tiny_checkpoint):
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(tiny_checkpoint.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load(truncated)
    torch.save({"format": "arena-policy", "weights": torch.zeros(2)}, tmp_path / "keys.pt")
    with pytest.raises(CheckpointError, match="lacks"):
        load(tmp_path / "keys.pt")
    data = torch.load(tiny_checkpoint, weights_only=True)
    torch.save({**data, "feature_version": 99}, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="needs features version 99"):
        load(tmp_path / "future.pt")
    assert isinstance(load(tiny_checkpoint), Checkpoint)
