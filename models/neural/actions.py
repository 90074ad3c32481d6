"""The action space: 9 slots, 4 moves then 5 switches, and the legal-action mask.

Slot order (ACTION_VERSION 1):
- 0–3: the active Pokémon's moves in the order Showdown's request lists them. When an
  available move is not one of those (Gen 1's `recharge`, `struggle`), the available
  moves themselves fill the slots in order.
- 4–8: the player's non-active Pokémon in the request's team order.
The mask is built from the battle's own valid orders, so a masked-out slot can never be
sent; mega/z/dynamax/tera variants are not in this space and are never chosen.
"""

from dataclasses import dataclass

import numpy as np
from poke_env.battle import Battle, Move, Pokemon

ACTION_VERSION = 1
N_MOVES = 4
N_SWITCHES = 5
N_ACTIONS = N_MOVES + N_SWITCHES


def move_slots(battle: Battle) -> list[Move | None]:
    active = battle.active_pokemon
    known = list(active.moves.values())[:N_MOVES] if active else []
    ids = [m.id for m in known]
    if all(m.id in ids for m in battle.available_moves):
        return known + [None] * (N_MOVES - len(known))
    return (battle.available_moves[:N_MOVES] + [None] * N_MOVES)[:N_MOVES]


def switch_slots(battle: Battle) -> list[Pokemon | None]:
    bench = [mon for mon in battle.team.values() if not mon.active][:N_SWITCHES]
    return bench + [None] * (N_SWITCHES - len(bench))


@dataclass(frozen=True)
class Actions:
    """The slots of one decision and which of them are legal."""

    slots: tuple[Move | Pokemon | None, ...]
    mask: np.ndarray  # bool, shape (N_ACTIONS,)

    def target(self, action: int) -> Move | Pokemon:
        if not self.mask[action]:
            raise ValueError(f"action {action} is not legal here")
        return self.slots[action]


def legal(battle: Battle, slots: tuple[Move | Pokemon | None, ...]) -> list[bool]:
    """Which slots the battle allows now, in plain Python: cheap enough to take again at
    every decision (arena's decision records do)."""
    can_move = bool(battle.available_moves) and not battle.force_switch
    legal_moves = {m.id for m in battle.available_moves} if can_move else set()
    legal_switches = {id(mon) for mon in battle.available_switches}
    return [
        target is not None
        and (target.id in legal_moves if k < N_MOVES else id(target) in legal_switches)
        for k, target in enumerate(slots)
    ]


def slots(battle: Battle) -> tuple[Move | Pokemon | None, ...]:
    return (*move_slots(battle), *switch_slots(battle))


def actions(battle: Battle) -> Actions:
    targets = slots(battle)
    return Actions(targets, np.array(legal(battle, targets), dtype=bool))
