"""Decision records: what a side chose at each decision, taken when the choice is made.

Training labels must be exact, and the protocol does not always reveal a choice (sleep,
a full paralysis), so every order arena sends for an agent is recorded with the action
slot it stands for in `arena.models.neural.actions` terms, read from the battle at decision time:
the same battle state the agent saw, so a move maps by its id and a switch by the very
Pokémon object among the slots.
"""

from typing import NamedTuple

from poke_env.battle import AbstractBattle, Battle, Move, Pokemon
from poke_env.player import BattleOrder, SingleBattleOrder

from arena.models.neural.actions import N_MOVES, legal, slots

NOT_A_SLOT = -1  # an order outside the 9-slot space: the default move, a gimmick, doubles


class Choice(NamedTuple):
    """One decision of one side, stored as `[turn, rqid, slot, order, n_legal,
    forced_switch, fallback]` in play order."""

    turn: int
    rqid: int | None  # the request it answered
    slot: int  # 0-8 as in `arena.models.neural.actions`, or NOT_A_SLOT (the default move has none)
    order: str  # exactly what was sent, e.g. "/choose move thunderbolt"
    n_legal: int  # legal slots in the action mask
    forced_switch: bool
    fallback: bool  # the default move stood in after a timeout or an error


def choice_of(battle: AbstractBattle, order: BattleOrder, fallback: bool) -> Choice:
    """The record of `order` sent in `battle`, which must still be at that decision."""
    rqid = battle.last_request.get("rqid")
    if not isinstance(battle, Battle):
        return Choice(battle.turn, rqid, NOT_A_SLOT, order.message, 0, False, fallback)
    targets = slots(battle)
    return Choice(
        battle.turn,
        rqid,
        _slot(targets, order),
        order.message,
        sum(legal(battle, targets)),
        bool(battle.force_switch),
        fallback,
    )


def _slot(targets: tuple, order: BattleOrder) -> int:
    if not isinstance(order, SingleBattleOrder) or _gimmick(order):
        return NOT_A_SLOT
    target = order.order
    if isinstance(target, Move):
        ids = [getattr(t, "id", None) for t in targets[:N_MOVES]]
        return ids.index(target.id) if target.id in ids else NOT_A_SLOT
    if isinstance(target, Pokemon):
        return next((k for k, t in enumerate(targets) if k >= N_MOVES and t is target), NOT_A_SLOT)
    return NOT_A_SLOT


def _gimmick(order: SingleBattleOrder) -> bool:
    return order.mega or order.z_move or order.dynamax or order.terastallize
