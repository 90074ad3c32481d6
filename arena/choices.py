"""Decision records: what a side chose at each decision, taken when the choice is made.

Training labels must be exact, and the protocol does not always reveal a choice (sleep,
a full paralysis), so every order arena sends for an agent is recorded with the action
slot it stands for in `models.actions` terms, read from the battle at decision time:
the same battle state the agent saw, so a move maps by its id and a switch by the very
Pokémon object among the slots.
"""

from typing import NamedTuple

from poke_env.battle import AbstractBattle, Battle, Move, Pokemon
from poke_env.player import BattleOrder, SingleBattleOrder

from models.actions import N_MOVES, actions

NOT_A_SLOT = -1  # an order outside the 9-slot space (a raw string, a gimmick, doubles)


class Choice(NamedTuple):
    """One decision of one side, stored as `[turn, rqid, slot, order, n_legal,
    forced_switch, fallback]` in play order."""

    turn: int
    rqid: int | None  # the request it answered
    slot: int  # 0-8 as in `models.actions`, or NOT_A_SLOT
    order: str  # exactly what was sent, e.g. "/choose move thunderbolt"
    n_legal: int  # legal slots in the action mask
    forced_switch: bool
    fallback: bool  # the default move stood in: a timeout, an error or a forfeit


def choice_of(battle: AbstractBattle, order: BattleOrder, fallback: bool) -> Choice:
    """The record of `order` sent in `battle`, which must still be at that decision."""
    rqid = battle.last_request.get("rqid")
    if not isinstance(battle, Battle):
        return Choice(battle.turn, rqid, NOT_A_SLOT, order.message, 0, False, fallback)
    legal = actions(battle)
    return Choice(
        battle.turn,
        rqid,
        _slot(legal.slots, order),
        order.message,
        int(legal.mask.sum()),
        bool(battle.force_switch),
        fallback,
    )


def _slot(slots: tuple, order: BattleOrder) -> int:
    if not isinstance(order, SingleBattleOrder) or _gimmick(order):
        return NOT_A_SLOT
    target = order.order
    if isinstance(target, Move):
        ids = [getattr(s, "id", None) for s in slots[:N_MOVES]]
        return ids.index(target.id) if target.id in ids else NOT_A_SLOT
    if isinstance(target, Pokemon):
        return next((k for k, s in enumerate(slots) if k >= N_MOVES and s is target), NOT_A_SLOT)
    return NOT_A_SLOT


def _gimmick(order: SingleBattleOrder) -> bool:
    return order.mega or order.z_move or order.dynamax or order.terastallize
