"""Neural agents: encoder and mask on real battles, checkpoints, batched inference."""

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from arena.game.teams import load_pool
from arena.game.transport import ServerTransport
from arena.matchmaking.match import play_match
from arena.models.neural.actions import N_ACTIONS
from arena.models.neural.batching import InferenceWorker
from arena.models.neural.checkpoint import CheckpointError, initialise, load
from arena.models.neural.features import (
    GLOBAL_FEATURES,
    MOVE_FEATURES,
    N_ENTITIES,
    POKEMON_FEATURES,
    stack,
)
from arena.models.neural.policy import PolicyConfig, to_tensors
from arena.models.registry import resolve
from tests.conftest import run_arena
from tests.user_bots import MaskProbePlayer


@pytest.fixture(scope="module")
def gen1ou_pool():
    return load_pool("gen1ou", None)[1]


@pytest.fixture(scope="module")
async def probed(server, gen1ou_pool):
    """Every decision of real gen1ou games, seen by the mask probe."""
    MaskProbePlayer.seen.clear()
    await play_match(
        resolve("tests.user_bots:MaskProbePlayer"),
        resolve("max-power"),
        transport=ServerTransport(server.websocket_url),
        battle_format="gen1ou",
        pool=gen1ou_pool,
        games=6,
        concurrency=6,
        seed=11,
    )
    return list(MaskProbePlayer.seen)


def test_mask_equals_valid_orders_and_shapes_are_fixed(probed):
    assert len(probed) > 100
    for decoded, valid, obs, mask in probed:
        assert decoded == valid
        assert mask.shape == (N_ACTIONS,) and mask.dtype == bool
        assert obs.species.shape == (N_ENTITIES,)
        assert obs.pokemon.shape == (N_ENTITIES, POKEMON_FEATURES)
        assert obs.moves.shape == obs.move_types.shape == (N_ENTITIES, 4)
        assert obs.move_features.shape == (N_ENTITIES, 4, MOVE_FEATURES)
        assert obs.globals.shape == (GLOBAL_FEATURES,)
        assert np.isfinite(obs.pokemon).all() and np.isfinite(obs.move_features).all()


async def test_fresh_checkpoint_plays_clean_games(server, gen1ou_pool, tiny_checkpoint):
    result = await play_match(
        resolve(str(tiny_checkpoint)),
        resolve("random"),
        transport=ServerTransport(server.websocket_url),
        battle_format="gen1ou",
        pool=gen1ou_pool,
        games=20,
        concurrency=10,
        seed=5,
    )
    assert len(result.games) == 20
    seats = [s for g in result.games for s in g.seats if s.agent == "run1/epoch_0"]
    assert len(seats) == 20
    assert all(s.log.invalid == 0 and s.log.errors == 0 and s.log.decisions > 0 for s in seats)


def test_round_trip_gives_the_same_outputs(tmp_path, probed):
    original = initialise(PolicyConfig.sized("tiny"), seed=3)
    original.save(tmp_path / "a.pt")
    batch = to_tensors(stack([obs for _, _, obs, _ in probed[:32]]), "cpu")
    with torch.no_grad():
        before = original.policy()(batch)
        after = load(tmp_path / "a.pt").policy()(batch)
    assert all(torch.equal(x, y) for x, y in zip(before, after, strict=True))


def test_batched_and_unbatched_choose_the_same_actions(probed, tiny_checkpoint):
    worker = InferenceWorker(load(tiny_checkpoint).policy(), "cpu")
    observations = [obs for _, _, obs, _ in probed[:64]]
    masks = np.stack([mask for _, _, _, mask in probed[:64]])
    greedy = np.zeros(len(observations), dtype=np.float32)
    draws = np.zeros(len(observations))
    together = worker.decide(observations, masks, greedy, draws)
    alone = [
        worker.decide([o], m[None], greedy[:1], draws[:1])[0]
        for o, m in zip(observations, masks, strict=True)
    ]
    assert list(together) == alone
    assert all(masks[k, a] for k, a in enumerate(together))


class _Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_does_not_run(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"format": "arena-policy", "payload": _Exploit(marker)}, evil)
    with pytest.raises(CheckpointError, match="refused"):
        load(evil)
    result = run_arena("model", "info", str(evil))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not marker.exists()
    with open(tmp_path / "plain.pkl", "wb") as handle:
        pickle.dump(_Exploit(marker), handle)
    with pytest.raises(CheckpointError):
        load(tmp_path / "plain.pkl")
    assert not marker.exists()


def test_model_commands_and_checkpoints_in_a_tournament(server, tmp_path):
    run = tmp_path / "run2"
    for epoch in (1, 2):
        made = run_arena(
            "model",
            "init",
            "--out",
            str(run / f"policy_epoch_{epoch}.pt"),
            "--size",
            "tiny",
            "--seed",
            str(epoch),
        )
        assert made.returncode == 0, made.stderr
    info = run_arena("model", "info", str(run))
    assert "run2/epoch_2" in info.stdout and "parameters" in info.stdout
    db = f"sqlite:///{tmp_path / 'n.db'}"
    result = run_arena(
        "tournament",
        "--models",
        str(run),
        f"{run}@1",
        "--agents",
        "random",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "2",
        "--server",
        server.websocket_url,
        "--db",
        db,
        "--name",
        "n",
    )
    assert result.returncode == 0, result.stderr
    assert "run2/epoch_2" in result.stdout and "run2/epoch_1" in result.stdout
