"""Batched inference: one worker per loaded model collects decisions from every battle.

Dozens of concurrent battles each ask for one decision at a time. A batch runs as soon as
the worker is free, on a helper thread so the event loop keeps serving battles; the
decisions that arrive meanwhile (up to `max_batch`) make the next batch. So an idle
worker adds no waiting, and a busy one batches as much as the load brings.
A sampled decision comes with its own uniform draw (from its battle's generator), so what
it picks never depends on the batch it landed in or on the order of the batches.
On CPU the forward passes use one torch thread: an arena process is bound to one core
(it scales with worker processes), and more threads only fight the event loop for it.
Models are loaded once per process and device, however many agents or pairings use them.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from arena.models.neural.checkpoint import load
from arena.models.neural.features import Observation, stack
from arena.models.neural.policy import Policy, choose, to_tensors


class InferenceWorker:
    def __init__(self, policy: Policy, device: str, max_batch: int = 64):
        self.policy, self.device = policy, torch.device(device)
        self.max_batch = max_batch
        if self.device.type == "cpu":
            torch.set_num_threads(1)
        self._pending: list[tuple[Observation, np.ndarray, float, float, asyncio.Future]] = []
        self._busy = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        self.batches = self.decisions = 0  # forward passes, and the decisions they made

    async def act(
        self, observation: Observation, mask: np.ndarray, temperature: float, draw: float
    ) -> int:
        """The chosen action for one decision, decided together with its batch; `draw`
        (uniform in [0, 1)) is where a sampled decision falls in its distribution."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((observation, mask, temperature, draw, future))
        if not self._busy:  # start on the next turn of the loop: same-turn arrivals join
            self._busy = True
            loop.call_soon(self._start)
        return await future

    def _start(self) -> None:
        batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
        asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(self, batch) -> None:
        observations, masks, temperatures, draws, futures = zip(*batch, strict=True)
        try:
            actions = await asyncio.get_running_loop().run_in_executor(
                self._executor,
                self.decide,
                list(observations),
                np.stack(masks),
                np.array(temperatures, dtype=np.float32),
                np.array(draws, dtype=np.float64),
            )
        except Exception as error:  # every waiting battle gets the failure, none hangs
            for future in futures:
                if not future.done():
                    future.set_exception(error)
        else:
            self.batches += 1
            self.decisions += len(futures)
            for future, action in zip(futures, actions, strict=True):
                if not future.done():
                    future.set_result(int(action))
        finally:
            if self._pending:
                self._start()
            else:
                self._busy = False

    @torch.inference_mode()
    def decide(
        self,
        observations: list[Observation],
        masks: np.ndarray,
        temperatures: np.ndarray,
        draws: np.ndarray,
    ) -> np.ndarray:
        """One forward pass for a batch; greedy rows and sampled rows side by side."""
        logits, _ = self.policy(to_tensors(stack(observations), self.device))
        mask = torch.as_tensor(masks, device=self.device)
        greedy = choose(logits, mask, 0.0)
        if not (temperatures > 0).any():
            return greedy.cpu().numpy()
        scale = torch.as_tensor(np.maximum(temperatures, 1e-6), device=self.device)
        at = torch.as_tensor(draws, device=self.device)
        sampled = choose(logits / scale.unsqueeze(-1), mask, 1.0, at)
        hot = torch.as_tensor(temperatures > 0, device=self.device)
        return torch.where(hot, sampled, greedy).cpu().numpy()


_workers: dict[tuple[str, str, int], "asyncio.Future[InferenceWorker]"] = {}


async def shared_worker(path: Path, device: str, max_batch: int = 64) -> InferenceWorker:
    """The process's worker for this checkpoint file on this device, loaded on first use.

    The load (reading and unpickling the file, moving it to the device) runs on a helper
    thread, since it takes long enough to stall every battle; battles asking while it
    loads wait for the same load.
    """
    key = (str(Path(path).resolve()), device, max_batch)
    if key not in _workers:
        _workers[key] = asyncio.ensure_future(asyncio.to_thread(_load, key))
    try:
        return await asyncio.shield(_workers[key])
    except Exception:
        _workers.pop(key, None)  # a failed load is tried again, not remembered
        raise


def _load(key: tuple[str, str, int]) -> InferenceWorker:
    path, device, max_batch = key
    return InferenceWorker(load(Path(path)).policy(device), device, max_batch)
