"""The neural agent: a poke-env player whose decisions come from a checkpoint.

Subclasses bound to one checkpoint are made by the registry; every instance in a
process shares that checkpoint's inference worker, so many battles batch together. The
model starts loading, on a helper thread, when the player is made: battles rarely wait
for it, and the event loop never does. A sampled decision is taken at a uniform draw
from the battle's own generator (`arena.models.chance`), so it does not depend on which other
battles shared its batch.
"""

import asyncio

from poke_env.battle import AbstractBattle, Battle
from poke_env.player import Player

from arena.models.chance import current
from arena.models.neural.actions import actions
from arena.models.neural.batching import shared_worker
from arena.models.neural.features import encode


class NeuralPlayer(Player):
    checkpoint: str = ""
    device: str = "cpu"
    temperature: float = 0.0  # 0: greedy, as in evaluation
    max_batch: int = 64

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._worker = asyncio.ensure_future(
            shared_worker(self.checkpoint, self.device, self.max_batch)
        )

    async def choose_move(self, battle: AbstractBattle):
        if not isinstance(battle, Battle):
            return self.choose_random_move(battle)
        legal = actions(battle)
        if not legal.mask.any():
            return self.choose_default_move()
        worker = await asyncio.shield(self._worker)
        draw = current().random()
        action = await worker.act(encode(battle), legal.mask, self.temperature, draw)
        return self.create_order(legal.target(action))
