"""Batched inference against one forward pass per decision, on real battle states, CPU.

(a) policy decisions per second at batch sizes 1, 16 and 64, batched vs one forward per
    decision, on observations recorded from real gen1ou battles;
(b) battles per second of a checkpoint against `random` with 64 concurrent battles,
    with the shared batching worker vs a worker that runs every decision alone.
Usage: python scripts/bench_inference.py [--size small] [--games 128] [--device cpu]
"""

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from poke_env.player import Player

from arena import aio
from arena.game.teams import load_pool
from arena.game.transport import ServerTransport
from arena.matchmaking.match import play_match
from arena.models.neural.actions import actions
from arena.models.neural.batching import InferenceWorker
from arena.models.neural.checkpoint import initialise, load
from arena.models.neural.features import encode
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import AgentSpec, resolve
from arena.showdown import running_server


class Recorder(Player):
    """Plays randomly and keeps what the policy would have seen at each decision."""

    states: list = []

    def choose_move(self, battle):
        Recorder.states.append((encode(battle), actions(battle).mask))
        return self.choose_random_move(battle)


async def record_states(url: str, pool, count: int) -> list:
    recorder = AgentSpec("recorder", "import", "bench:Recorder", Recorder)
    while len(Recorder.states) < count:
        await play_match(
            recorder,
            resolve("max-power"),
            transport=ServerTransport(url),
            battle_format="gen1ou",
            pool=pool,
            games=10,
            concurrency=10,
            seed=7,
        )
    return [s for s in Recorder.states if s[1].any()][:count]


def decisions_per_second(worker, states, batch: int, batched: bool, repeats: int = 3) -> float:
    greedy, draws = np.zeros(batch, dtype=np.float32), np.zeros(batch)
    best = 0.0
    for _ in range(repeats):
        clock = time.perf_counter()
        for start in range(0, len(states) - batch + 1, batch):
            chunk = states[start : start + batch]
            observations, masks = [s[0] for s in chunk], np.stack([s[1] for s in chunk])
            if batched:
                worker.decide(observations, masks, greedy, draws)
            else:
                for o, m in zip(observations, masks, strict=True):
                    worker.decide([o], m[None], greedy[:1], draws[:1])
        done = (len(states) // batch) * batch
        best = max(best, done / (time.perf_counter() - clock))
    return best


def with_batch(spec: AgentSpec, max_batch: int) -> AgentSpec:
    cls = type(
        f"{spec.player_class.__name__}_b{max_batch}", (spec.player_class,), {"max_batch": max_batch}
    )
    return dataclasses.replace(spec, player_class=cls)


async def main(args) -> None:
    _, pool = load_pool("gen1ou", None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench" / "policy_epoch_0.pt"
        initialise(PolicyConfig.sized(args.size), seed=0).save(path)
        policy = load(path).policy(args.device)
        parameters = sum(p.numel() for p in policy.parameters())
        print(
            f"model: size {args.size}, {parameters:,} parameters, device {args.device}, "
            f"{torch.get_num_threads()} torch threads"
        )
        async with running_server() as server:
            states = await record_states(server.websocket_url, pool, 640)
            worker = InferenceWorker(policy, args.device)
            print(f"(a) decisions/s on {len(states)} recorded gen1ou states")
            for batch in (1, 16, 64):
                fast = decisions_per_second(worker, states, batch, batched=True)
                slow = decisions_per_second(worker, states, batch, batched=False)
                print(
                    f"    batch {batch:3d}: batched {fast:8.0f}/s  one-by-one {slow:8.0f}/s"
                    f"  ratio {fast / slow:5.2f}x",
                    flush=True,
                )
            spec = resolve(str(path), args.device)
            rates = {}
            for label, max_batch in (("batched (max 64)", 64), ("unbatched", 1)):
                result = await play_match(
                    with_batch(spec, max_batch),
                    resolve("random"),
                    transport=ServerTransport(server.websocket_url),
                    battle_format="gen1ou",
                    pool=pool,
                    games=args.games,
                    concurrency=64,
                    seed=1,
                )
                rates[label] = result.battles_per_second
                print(
                    f"(b) {label:<17} {result.battles_per_second:6.2f} battles/s "
                    f"(64 concurrent, {args.games} games)",
                    flush=True,
                )
            print(
                f"(b) ratio batched/unbatched = "
                f"{rates['batched (max 64)'] / rates['unbatched']:.2f}x"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--games", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    aio.run(main(parser.parse_args()))
