"""Training throughput of `offline-ac` against a bare forward+backward of the same model.

Both loops run in this process on the same model size and batch size: the peer is the
network alone (forward, a loss over every output, backward, Adam step) on one fixed
batch of random tensors; the candidate is the trainer's own epoch loop on a table of
random decisions (sampling rows, masking, target sweeps, Polyak updates, everything).
The ratio printed is the cost of everything that is not the network (goal: ≤ 25%).

    .venv/bin/python scripts/bench_train.py [--size small] [--batch 128] [--steps 240]
"""

import argparse
import time

import numpy as np
import torch

from arena.models.neural.actions import N_ACTIONS
from arena.models.neural.checkpoint import initialise
from arena.models.neural.features import (
    GLOBAL_FEATURES,
    MOVE_FEATURES,
    N_ENTITIES,
    N_MOVE_SLOTS,
    POKEMON_FEATURES,
    TYPES,
)
from arena.models.neural.policy import PolicyConfig
from arena.training.data.decisions import COMPONENTS, Decisions
from arena.training.learn import transitions
from arena.training.learn.trainer import ActorCritic, RunInfo, TrainConfig, Trainer


def random_decisions(rows: int, config: PolicyConfig, seed: int) -> Decisions:
    """Battles of 20 decisions with random observations, legal masks and components."""
    rng = np.random.default_rng(seed)
    mask = rng.random((rows, N_ACTIONS)) < 0.6
    mask[:, 0] = True
    action = np.where(mask, rng.random((rows, N_ACTIONS)), -1).argmax(1)
    battle = np.arange(rows) // 20
    turn = np.arange(rows) % 20 + 1
    return Decisions(
        observations={
            "species": rng.integers(1, config.n_species, (rows, N_ENTITIES)),
            "pokemon": rng.random((rows, N_ENTITIES, POKEMON_FEATURES), np.float32),
            "moves": rng.integers(1, config.n_moves, (rows, N_ENTITIES, N_MOVE_SLOTS)),
            "move_types": rng.integers(1, len(TYPES) + 1, (rows, N_ENTITIES, N_MOVE_SLOTS)),
            "move_features": rng.random(
                (rows, N_ENTITIES, N_MOVE_SLOTS, MOVE_FEATURES), np.float32
            ),
            "globals": rng.random((rows, GLOBAL_FEATURES), np.float32),
        },
        action=action.astype(np.int64),
        mask=mask,
        components=rng.random((rows, len(COMPONENTS)), np.float32),
        done=turn == 20,
        battle=battle.astype(np.int64),
        side=np.zeros(rows, np.int8),
        turn=turn.astype(np.int32),
        agent=np.zeros(rows, np.int32),
        fallback=np.zeros(rows, bool),
        agents=["random"],
    )


def bare_rate(model: ActorCritic, batch: dict, steps: int, lr: float) -> float:
    """Samples/s of forward + backward + Adam on one fixed batch: the network's own cost."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    size = len(batch["globals"])

    def step():
        logits, value, q = model(batch)
        loss = logits.square().mean() + value.square().mean() + q.square().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * size / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=240)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    policy_config = PolicyConfig.sized(args.size)
    decisions = random_decisions(args.rows, policy_config, seed=0)
    config = TrainConfig(algo="offline-ac", epochs=1, steps_per_epoch=args.steps, batch=args.batch)
    reward = decisions.components.sum(1)
    scale = transitions.return_scale(reward, decisions, config.gamma)
    data = transitions.build(decisions, reward, config.gamma, scale, "cpu")
    init = initialise(policy_config, seed=0)
    info = RunInfo("random", "bench", None, [1 / N_ACTIONS] * N_ACTIONS)
    trainer = Trainer(config, init, data, data, info, out=None)
    trainer.run_epoch()  # warm-up: one full epoch, target sweeps included
    trained = trainer.run_epoch()["samples_per_s"]

    model = ActorCritic(init.policy(), config.q_heads).train()
    batch = data.rows(torch.arange(args.batch))
    bare = bare_rate(model, batch, args.steps, config.lr)
    print(
        f"size {args.size}, batch {args.batch}, {args.steps} steps, "
        f"{torch.get_num_threads()} threads, target sweep every {trainer.refresh} steps"
    )
    print(f"bare forward+backward+Adam (peer): {bare:8.0f} samples/s")
    print(f"offline-ac training step:         {trained:8.0f} samples/s")
    print(f"overhead: {100 * (bare / trained - 1):.1f}% (goal <= 25%)")


if __name__ == "__main__":
    main()
