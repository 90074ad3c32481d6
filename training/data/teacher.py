"""A teacher: any agent, asked at each replayed decision what it would play there.

Its targets are a distribution over the action slots (`arena.models.neural.actions`): the
player's `choice_distribution(battle)` when it has one (a search agent's visit
distribution at its root), otherwise the order its `choose_move(battle)` returns, with
probability 1 (awaited when the player decides asynchronously). Orders map to slots as
arena's decision records map them (`arena.game.choices`), from the same battle; an order
outside the slots (the default move, a gimmick) carries no target and the rest is
renormalised, so a decision where nothing lands on a slot has no target (a row of zeros).
"""

import asyncio
import inspect
import logging
from typing import Any

import numpy as np
from poke_env.battle import Battle
from poke_env.player import BattleOrder, Player

from arena.errors import ArenaError
from arena.game.choices import NOT_A_SLOT, choice_of
from arena.models.neural.actions import N_ACTIONS
from arena.models.registry import AgentSpec, UnknownAgent, resolve


def identify(spec: str) -> dict:
    """What a dataset records of its teacher: the name and the identity that tells two
    agents apart (a checkpoint's hash and play-changing settings included)."""
    agent = _resolve(spec)
    return {"name": agent.name, "identity": agent.identity}


def _resolve(spec: str) -> AgentSpec:
    try:
        return resolve(spec)
    except UnknownAgent as error:
        raise ArenaError(f"--teacher: {error}") from None


class Teacher:
    """One agent's player, offline (it never connects), answering replayed decisions."""

    def __init__(self, spec: str, battle_format: str):
        agent = _resolve(spec)
        # made on the loop that will await its decisions: a player may start tasks there
        self._loop = asyncio.new_event_loop()

        async def make() -> Player:
            return agent.player_class(
                start_listening=False, battle_format=battle_format, log_level=logging.CRITICAL
            )

        self.player = self._loop.run_until_complete(make())

    def __call__(self, battle: Battle) -> np.ndarray:
        """The teacher's distribution over the slots at `battle`'s current decision."""
        target = np.zeros(N_ACTIONS, np.float32)
        for order, probability in self.choices(battle):
            slot = choice_of(battle, order, False).slot
            if slot != NOT_A_SLOT:
                target[slot] += probability
        total = target.sum()
        return target / total if total > 0 else target

    def choices(self, battle: Battle) -> list[tuple[BattleOrder, float]]:
        distribution = getattr(self.player, "choice_distribution", None)
        if distribution is not None:
            return list(self._settle(distribution(battle)))
        return [(self._settle(self.player.choose_move(battle)), 1.0)]

    def _settle(self, value: Any) -> Any:
        """`value`, awaited on this teacher's own event loop when it is awaitable."""
        if not inspect.isawaitable(value):
            return value
        return self._loop.run_until_complete(value)
