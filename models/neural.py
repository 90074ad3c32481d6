"""The neural agent: a poke-env player whose decisions come from a checkpoint.

Subclasses bound to one checkpoint are made by the registry; every instance in a
process shares that checkpoint's inference worker, so many battles batch together.
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
    max_wait_ms: float = 2.0

    async def choose_move(self, battle: AbstractBattle):
        if not isinstance(battle, Battle):
            return self.choose_random_move(battle)
        legal = actions(battle)
        if not legal.mask.any():
            return self.choose_default_move()
        worker = await shared_worker(self.checkpoint, self.device, self.max_batch, self.max_wait_ms)
        action = await worker.act(encode(battle), legal.mask, self.temperature)
        return self.create_order(legal.target(action))
