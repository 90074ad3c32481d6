"""Reward functions: how a dataset's per-step reward components become one number.

A dataset stores components (`arena.training.data.decisions.COMPONENTS`), never rewards, so a reward
function is chosen at training time. The shipped ones (`BUILTIN`) are weighted sums:
  default    = 1.0·(damage_done + hp_gain) + 0.5·(gave_status − took_status)
               + 1.0·(removed − lost) + 100·victory (victory +1 win, −1 loss)
  aggressive = 1.0·(damage_done + hp_gain) + 2.0·(removed − lost) + 200·won
  binary     = 100·victory
`won` is the one derived term (1 on a won battle's last decision, else 0), for functions
where a loss is worth nothing rather than -1. Any other weighted sum is written as its
weights, `term=weight` over `TERMS` joined by commas ("damage_done=1,hp_gain=1,removed=2,
lost=-2,won=200" is `aggressive`), so a component can be switched off without code. A
user's own is named `pkg.module:function`: a function that takes the components array
(N, len(COMPONENTS)), float32, columns in `COMPONENTS` order, and returns N rewards.
"""

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from arena.errors import ArenaError
from arena.training.data.decisions import COMPONENTS, Decisions

TERMS = (*COMPONENTS, "won")
VICTORY = COMPONENTS.index("victory")


@dataclass(frozen=True)
class RewardFunction:
    """A named reward: weights over `TERMS`, or a user's function of the components."""

    name: str
    weights: Mapping[str, float] = field(default_factory=dict)
    function: Callable[[np.ndarray], np.ndarray] | None = None

    def __call__(self, components: np.ndarray) -> np.ndarray:
        if self.function is not None:
            return _checked(self.name, self.function(components), len(components))
        terms = np.concatenate([components, np.maximum(components[:, [VICTORY]], 0)], axis=1)
        weights = np.array([self.weights.get(t, 0.0) for t in TERMS], dtype=np.float32)
        return (terms @ weights).astype(np.float32)


def _shaped(damage: float, status: float, faints: float, **victory: float) -> dict:
    return {
        "damage_done": damage,
        "hp_gain": damage,
        "gave_status": status,
        "took_status": -status,
        "removed": faints,
        "lost": -faints,
        **victory,
    }


BUILTIN = {
    "default": RewardFunction("default", _shaped(1.0, 0.5, 1.0, victory=100.0)),
    "aggressive": RewardFunction("aggressive", _shaped(1.0, 0.0, 2.0, won=200.0)),
    "binary": RewardFunction("binary", {"victory": 100.0}),
}


def _checked(name: str, values, n: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    if values.shape != (n,):
        raise ArenaError(f"reward function {name} returned shape {values.shape}, expected ({n},)")
    return values


def weighted(text: str) -> RewardFunction:
    """The reward `term=weight,...` names; a term outside `TERMS` or a weight that is not a
    number is refused naming it, since a typo would otherwise silently weigh nothing."""
    weights: dict[str, float] = {}
    for part in text.split(","):
        term, _, value = (s.strip() for s in part.partition("="))
        if term not in TERMS:
            raise ArenaError(f"unknown reward term {term!r} (known: {', '.join(TERMS)})")
        try:
            weights[term] = float(value)
        except ValueError:
            raise ArenaError(f"reward term {term}: weight {value!r} is not a number") from None
    return RewardFunction(text, weights)


def resolve(name: str) -> RewardFunction:
    """A shipped reward function by name, weights over `TERMS` (`term=weight,...`), or a
    user's function by `pkg.module:function`."""
    if name in BUILTIN:
        return BUILTIN[name]
    if "=" in name:
        return weighted(name)
    if ":" not in name:
        known = ", ".join(BUILTIN)
        raise ArenaError(
            f"unknown reward function {name!r} (known: {known}, term=weight,... over "
            f"{', '.join(TERMS)}, or pkg.module:function)"
        )
    module_name, _, attribute = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ArenaError(f"cannot import reward function {name}: {error}") from None
    function = getattr(module, attribute, None)
    if function is None:
        raise ArenaError(f"reward function {name}: {module_name} has no {attribute!r}")
    if not (inspect.isfunction(function) or inspect.isbuiltin(function)):
        raise ArenaError(f"reward function {name} is not a function")
    return RewardFunction(name, function=function)


def rewards(decisions: Decisions, fn: RewardFunction) -> np.ndarray:
    """The reward of every decision (float32, N): `fn` over its components."""
    return fn(decisions.components)
