"""Every random draw an agent makes, taken from its own battle's generator.

One player object plays many battles at once, so a generator per player (or Python's
global one) hands its draws to whichever battle asks first, and no battle could be
played again the same way. Instead each side of each battle has its own `random.Random`,
derived from the battle's seed and the side, and it is made current while that side
decides: a context variable, so concurrent battles (each decided in its own asyncio task,
or in a thread that copied the task's context) never see each other's.

poke-env's own random helpers (`choose_random_move`, `random_teampreview`, the baselines'
random switches and targets, the default-order retry) call the `random` module directly;
`route_poke_env_draws` gives the two poke-env modules that import it a stand-in that
draws from the current battle's generator, and from the global one outside a decision.
Checked on poke-env 0.16.1 (`poke_env.player.player`, `poke_env.player.baselines`).
"""

import contextlib
import hashlib
import random
from collections.abc import Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import Any

from poke_env.player import baselines
from poke_env.player import player as poke_env_player

_current: ContextVar[random.Random | None] = ContextVar("battle_random", default=None)


def side_random(seed: str, side: str) -> random.Random:
    """The generator of `side` ("p1" or "p2") in the battle with simulator seed `seed`:
    a function of those two only, so a rerun draws exactly what the battle drew."""
    digest = hashlib.sha256(f"{seed}|{side}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def current() -> random.Random | ModuleType:
    """The generator of the battle being decided; outside a decision, the `random`
    module itself (Python's global generator), as if arena were not there."""
    return _current.get() or random


@contextlib.contextmanager
def deciding(rng: random.Random) -> Iterator[None]:
    """Makes `rng` current for the decision in progress (this task or thread only)."""
    token = _current.set(rng)
    try:
        yield
    finally:
        _current.reset(token)


class _CurrentRandom:
    """Stands for the `random` module: each attribute is the current generator's."""

    def __getattr__(self, name: str) -> Any:
        return getattr(current(), name)


def route_poke_env_draws() -> None:
    """Makes poke-env's random helpers draw from the current battle's generator."""
    for module in (poke_env_player, baselines):
        if not isinstance(module.random, _CurrentRandom):
            module.random = _CurrentRandom()
