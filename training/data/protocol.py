"""A stored battle log, replayed: every decision one side made, as that side saw it.

The log of one side (every protocol line its player received, `arena.game.player.BattleLog`)
is fed to a poke-env `Battle` line by line as poke-env's `Player` feeds it
(`arena.models.neural.log_replay.route`), so at each `|request|` that asks for a choice the
battle is in exactly the state the player decided from. There the observation, legal mask
and turn are taken; the lines that follow, up to that side's next decision, give the action
that was revealed (`arena.training.data.action_inference`) and the reward components it
received. A teacher (`arena.training.data.teacher`), when given, is asked at each
decision on that very battle, before the lines that follow are applied.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from poke_env.battle import Battle, Pokemon

from arena.models.neural.actions import Actions, actions
from arena.models.neural.features import Observation, encode
from arena.models.neural.log_replay import Routed, new_battle, route
from arena.training.data.decisions import COMPONENTS

_COLUMN = {name: k for k, name in enumerate(COMPONENTS)}
_HP_LINES = ("-damage", "-heal", "-sethp")


@dataclass
class Step:
    """One decision: what the side saw, could do, and the lines that followed it."""

    observation: Observation
    actions: Actions
    turn: int
    rqid: int
    forced_switch: bool
    lines: list[list[str]] = field(default_factory=list)  # up to the next decision
    components: np.ndarray = field(default_factory=lambda: np.zeros(len(COMPONENTS), np.float32))
    teacher: np.ndarray | None = None  # the teacher's distribution over the slots


def _username(lines: list[list[str]], role: str) -> str:
    for parts in lines:
        if len(parts) > 3 and parts[1] == "player" and parts[2] == role:
            return parts[3]
    raise ValueError(f"the log names no player {role}")


def _ident(parts: list[str]) -> str:
    """`p1a: Name` → `p1: Name`, the key of `Battle.team`."""
    return parts[2][:2] + parts[2][3:]


class _Rewards:
    """Accrues one side's reward components from the lines it sees."""

    def __init__(self, battle: Battle, role: str):
        self.battle, self.role = battle, role
        self.target: Pokemon | None = None  # the foe whose damage counts this step

    def start(self, step: Step) -> None:
        self.step = step
        self.target = self.battle.opponent_active_pokemon

    def before(self, parts: list[str]) -> float | None:
        if len(parts) > 3 and parts[1] in _HP_LINES:
            mon = self.battle.get_pokemon(_ident(parts))
            return mon.current_hp_fraction
        return None

    def after(self, parts: list[str], hp_before: float | None) -> None:
        kind, add = parts[1], self.step.components
        own = len(parts) > 2 and parts[2].startswith(self.role)
        if hp_before is not None:
            mon = self.battle.get_pokemon(_ident(parts))
            change = mon.current_hp_fraction - hp_before
            if own and change > 0:
                add[_COLUMN["hp_gain"]] += change
            elif not own and change < 0 and mon is self.target:
                add[_COLUMN["damage_done"]] -= change
        elif kind in ("switch", "drag") and not own:
            self.target = None
        elif kind == "-status" and not any("Rest" in p for p in parts[4:]):
            add[_COLUMN["took_status" if own else "gave_status"]] += 1
        elif kind == "faint":
            add[_COLUMN["lost" if own else "removed"]] += 1


def replay(
    log: str,
    role: str,
    battle_format: str,
    battle_tag: str = "battle",
    teacher: Callable[[Battle], np.ndarray] | None = None,
) -> list[Step]:
    """Every decision of side `role` ("p1"/"p2") in its stored log, in play order; with
    `teacher`, each step carries what it returned for the battle at that decision."""
    lines = [line.split("|") for line in log.split("\n")]
    battle = new_battle(battle_tag, battle_format, _username(lines, role))
    rewards = _Rewards(battle, role)
    steps: list[Step] = []
    for parts in lines:
        hp_before = rewards.before(parts) if steps else None
        routed = route(battle, parts)
        if routed is Routed.DECISION:
            steps.append(_step(battle))
            if teacher is not None:
                steps[-1].teacher = teacher(battle)
            rewards.start(steps[-1])
        elif routed is Routed.STATE and steps:
            steps[-1].lines.append(parts)
            rewards.after(parts, hp_before)
    if steps:
        steps[-1].components[_COLUMN["victory"]] = _victory(battle)
    return steps


def _step(battle: Battle) -> Step:
    return Step(
        observation=encode(battle),
        actions=actions(battle),
        turn=battle.turn,
        rqid=int(battle.last_request.get("rqid", 0)),
        forced_switch=bool(battle.force_switch),
    )


def _victory(battle: Battle) -> float:
    if battle.won:
        return 1.0
    if battle.lost:
        return -1.0
    return 0.0
