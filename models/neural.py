"""The neural agent: a poke-env player whose decisions come from a checkpoint.

Subclasses bound to one checkpoint are made by the registry; every instance in a
process shares that checkpoint's inference worker, so many battles batch together. The
worker (and its model) is loaded when the player is made, before any battle, so no
battle waits on a model load.
"""

from poke_env.battle import AbstractBattle, Battle
from poke_env.player import Player

from models.actions import actions
from models.features import encode
from models.inference import shared_worker


class NeuralPlayer(Player):
    checkpoint: str = ""
    device: str = "cpu"
    temperature: float = 0.0  # 0: greedy, as in evaluation
    max_batch: int = 64

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker = shared_worker(self.checkpoint, self.device, self.max_batch)

    async def choose_move(self, battle: AbstractBattle):
        if not isinstance(battle, Battle):
            return self.choose_random_move(battle)
        legal = actions(battle)
        if not legal.mask.any():
            return self.choose_default_move()
        action = await self.worker.act(encode(battle), legal.mask, self.temperature)
        return self.create_order(legal.target(action))
