"""Nothing that can block runs on the event loop: a model loads off it, once for every
battle asking for it."""

import asyncio
import threading

from arena.models.neural import batching
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig


async def test_a_model_loads_off_the_loop_once_for_every_battle_asking(tmp_path, monkeypatch):
    path = tmp_path / "tiny.pt"
    initialise(PolicyConfig.sized("tiny"), seed=3).save(path)
    loop_thread = threading.current_thread()
    loads = []
    load = batching.load

    def watched(checkpoint):
        loads.append(threading.current_thread())
        return load(checkpoint)

    monkeypatch.setattr(batching, "load", watched)
    workers = await asyncio.gather(*(batching.shared_worker(path, "cpu") for _ in range(5)))
    assert len({id(worker) for worker in workers}) == 1
    assert len(loads) == 1 and loads[0] is not loop_thread
