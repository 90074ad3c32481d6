"""Gym Leader: Grunt with the rules a careful player follows, checked in order.

1. Outsped and knocked out next turn: switch to a Pokémon that outspeeds and knocks
   the opponent out, else to the best type matchup, among those that come in losing
   less than half their HP.
2. A move knocks the opponent out: take the knock-out (priority, then accuracy first).
3. First turn out with HP above 90 % and no knock-out coming: set up with a boosting move.
4. HP below 33 %: recover.
5. Otherwise Grunt's hardest-hitting move, keeping Explosion for when HP is low.

A forced switch brings in the same revenge-killer rule 1 looks for. "First turn out" is
tracked per battle from the active Pokémon this player last saw, and forgotten when the
battle ends, so memory stays flat however many battles a player plays.
"""

from typing import Any

from poke_env.battle import AbstractBattle, Battle, Move, Pokemon, Target

from arena.models.heuristics.damage import hit_damage, outspeeds, threat
from arena.models.heuristics.grunt import GruntPlayer, best_matchup, strongest_move

BOOST_HP = 0.9
RECOVER_HP = 0.33
EXPLODE_HP = 0.3
SAFE_SWITCH_LOSS = 0.5  # a switch-in may lose at most this share of its HP coming in
# Self-heals whose data carries no plain `heal` fraction (sleep, weather, delayed).
RECOVERY_MOVES = {"rest", "moonlight", "morningsun", "synthesis", "shoreup", "wish"}
SELF_TARGETS = {Target.SELF, Target.ALLIES}


class GymLeaderPlayer(GruntPlayer):
    """Grunt that escapes faster knock-outs, takes knock-outs, sets up and recovers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before Player.__init__, which may start listening for battles.
        self._arrivals: dict[str, tuple[Pokemon, int]] = {}
        super().__init__(*args, **kwargs)

    def decide(self, battle: Battle) -> Move | Pokemon | None:
        self._note_arrival(battle)
        choice = self._rule_choice(battle)
        if choice is None:
            choice = super().decide(battle)
        if isinstance(choice, Pokemon):  # whoever comes back later arrives afresh
            self._arrivals.pop(battle.battle_tag, None)
        return choice

    def attack(self, battle: Battle) -> Move:
        """Grunt's hardest hit, but Explosion only once the user is nearly spent: while
        healthy it is worth more alive (about 3 points more wins against
        SimpleHeuristicsPlayer in Gen 1 random battles)."""
        me = battle.active_pokemon
        if me is None or me.current_hp_fraction <= EXPLODE_HP:
            return super().attack(battle)
        lasting = [m for m in battle.available_moves if not m.self_destruct]
        return strongest_move(battle, lasting or battle.available_moves)

    def switch_in(self, battle: Battle, candidates: list[Pokemon]) -> Pokemon:
        return revenge_switch(battle, candidates)

    def _battle_finished_callback(self, battle: AbstractBattle) -> None:
        self._arrivals.pop(battle.battle_tag, None)
        super()._battle_finished_callback(battle)

    def _rule_choice(self, battle: Battle) -> Move | Pokemon | None:
        me, foe = battle.active_pokemon, battle.opponent_active_pokemon
        if not battle.available_moves or battle.force_switch or me is None or foe is None:
            return None
        for rule in (escape, knock_out, self._set_up, recover):
            choice = rule(battle, me, foe)
            if choice is not None:
                return choice
        return None

    def _note_arrival(self, battle: Battle) -> None:
        me = battle.active_pokemon
        seen = self._arrivals.get(battle.battle_tag)
        if me is not None and (seen is None or seen[0] is not me):
            self._arrivals[battle.battle_tag] = (me, battle.turn)

    def _first_turn_out(self, battle: Battle) -> bool:
        _, arrived = self._arrivals.get(battle.battle_tag, (None, -1))
        return arrived == battle.turn

    def _set_up(self, battle: Battle, me: Pokemon, foe: Pokemon) -> Move | None:
        """Boost on arrival, while healthy and not about to be knocked out: a boost is only
        worth the turn if its user lives to attack with it."""
        if not self._first_turn_out(battle) or me.current_hp_fraction <= BOOST_HP:
            return None
        if threat(battle, foe, me) >= me.current_hp_fraction:
            return None
        boosters = [m for m in battle.available_moves if _stages_gained(m, me) > 0]
        return max(boosters, key=lambda m: _stages_gained(m, me), default=None)


def escape(battle: Battle, me: Pokemon, foe: Pokemon) -> Pokemon | None:
    """A switch when `me` would fall before it moves, to a Pokémon that takes the hit
    coming in well; None when `me` is not in danger or no switch-in would. A switch-in
    that loses half its HP on entry is being sacrificed by instalments: in play,
    allowing that made the bot trade free hits for switches and lose more often."""
    if not battle.available_switches or battle.maybe_trapped:
        return None  # a maybe-trapped switch can be refused
    if not outspeeds(foe, me) or threat(battle, foe, me) < me.current_hp_fraction:
        return None
    safe = [
        mon
        for mon in battle.available_switches
        if threat(battle, foe, mon) < mon.current_hp_fraction * SAFE_SWITCH_LOSS
    ]
    return revenge_switch(battle, safe) if safe else None


def revenge_switch(battle: Battle, candidates: list[Pokemon]) -> Pokemon:
    """A candidate that outspeeds and knocks out the opponent, else the best matchup."""
    foe = battle.opponent_active_pokemon
    if foe is None:
        return best_matchup(battle, candidates)
    killers = [
        mon
        for mon in candidates
        if outspeeds(mon, foe) and threat(battle, mon, foe) >= foe.current_hp_fraction
    ]
    return best_matchup(battle, killers or candidates)


def knock_out(battle: Battle, me: Pokemon, foe: Pokemon) -> Move | None:
    """The surest move that knocks `foe` out this turn: priority first, then accuracy.

    Two-turn moves do not knock out this turn, and Explosion trades a Pokémon for one.
    """
    if foe.current_hp_fraction <= 0:
        return None
    killers = [
        m
        for m in battle.available_moves
        if hit_damage(battle, m, me, foe) >= foe.current_hp_fraction
        and "charge" not in m.flags
        and not m.self_destruct
    ]
    return max(killers, key=lambda m: (m.entry.get("priority", 0), m.accuracy), default=None)


def recover(battle: Battle, me: Pokemon, foe: Pokemon) -> Move | None:
    """A self-heal when low, Rest last as it costs turns asleep."""
    if me.current_hp_fraction >= RECOVER_HP:
        return None
    heals = [m for m in battle.available_moves if _heals(m)]
    return max(heals, key=lambda m: m.id != "rest", default=None)


def _heals(move: Move) -> bool:
    # Not `move.heal`: from Gen 2 on it raises where the data says `heal: None` (Moonlight).
    return move.id in RECOVERY_MOVES or ("heal" in move.entry and move.target in SELF_TARGETS)


def _stages_gained(move: Move, mon: Pokemon) -> int:
    """Stat stages `move` raises on its user, counting only stats not already maxed."""
    return sum(
        stages
        for stat, stages in _own_boosts(move).items()
        if stages > 0 and mon.boosts.get(stat, 0) < 6
    )


def _own_boosts(move: Move) -> dict[str, int]:
    # Read from the data, not `move.self_boost`: that raises where the data says
    # `self: None` (Gen 6's Diamond Storm).
    if move.target == Target.SELF:
        return move.entry.get("boosts") or {}
    effect = move.entry.get("selfBoost") or move.entry.get("self") or {}
    return effect.get("boosts") or {}
