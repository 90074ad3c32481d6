"""Gym Leader: Grunt with a few rules a careful player follows, checked in order.

1. Outsped and knocked out next turn: switch to a Pokémon that outspeeds and knocks the
   opponent out, else to the best type matchup.
2. A move knocks the opponent out: take the knock-out (priority, then accuracy first).
3. First turn out above 90% HP: set up with a boosting move.
4. Below 33% HP: recover.
5. Otherwise Grunt's hardest-hitting move.
"""

from poke_env.battle import Battle, Move, Pokemon, Target

from models.damage import expected_damage, matchup, speed, threat
from models.grunt import GruntPlayer

BOOST_HP = 0.9
RECOVER_HP = 0.33
RECOVERY_MOVES = {
    "recover",
    "softboiled",
    "rest",
    "milkdrink",
    "slackoff",
    "roost",
    "moonlight",
    "morningsun",
    "synthesis",
    "wish",
    "healorder",
    "shoreup",
}


def _raises_own_stats(move: Move) -> bool:
    boosts = move.self_boost or (move.boosts if move.target == Target.SELF else None) or {}
    return any(v > 0 for v in boosts.values())


def _heals(move: Move) -> bool:
    return move.id in RECOVERY_MOVES or move.heal > 0


class GymLeaderPlayer(GruntPlayer):
    def choose_move(self, battle):
        if not isinstance(battle, Battle) or battle.force_switch or not battle.available_moves:
            return super().choose_move(battle)
        me, foe = battle.active_pokemon, battle.opponent_active_pokemon
        if me is None or foe is None:
            return super().choose_move(battle)
        choice = (
            self._escape(battle, me, foe)
            or self._knock_out(battle, me, foe)
            or self._set_up(battle, me)
            or self._recover(battle, me)
        )
        return self.create_order(choice) if choice else super().choose_move(battle)

    @staticmethod
    def _escape(battle: Battle, me: Pokemon, foe: Pokemon) -> Pokemon | None:
        if not battle.available_switches or battle.trapped:
            return None
        outsped = speed(foe, battle.gen) > speed(me, battle.gen)
        if not (outsped and threat(battle, foe, me) >= me.current_hp_fraction):
            return None
        for mon in battle.available_switches:
            faster = speed(mon, battle.gen) > speed(foe, battle.gen)
            if faster and _best_damage(battle, mon, foe) >= foe.current_hp_fraction:
                return mon
        return max(battle.available_switches, key=lambda mon: matchup(battle, mon, foe))

    @staticmethod
    def _knock_out(battle: Battle, me: Pokemon, foe: Pokemon) -> Move | None:
        def sure_damage(move: Move) -> float:
            return expected_damage(battle, move, me, foe) / max(move.accuracy, 1e-9)

        killers = [m for m in battle.available_moves if sure_damage(m) >= foe.current_hp_fraction]
        return max(killers, key=lambda m: (m.priority, m.accuracy), default=None)

    @staticmethod
    def _set_up(battle: Battle, me: Pokemon) -> Move | None:
        if not me.first_turn or me.current_hp_fraction <= BOOST_HP:
            return None
        return next((m for m in battle.available_moves if _raises_own_stats(m)), None)

    @staticmethod
    def _recover(battle: Battle, me: Pokemon) -> Move | None:
        if me.current_hp_fraction >= RECOVER_HP:
            return None
        return next((m for m in battle.available_moves if _heals(m)), None)


def _best_damage(battle: Battle, attacker: Pokemon, defender: Pokemon) -> float:
    return max(
        (expected_damage(battle, m, attacker, defender) for m in attacker.moves.values()),
        default=0.0,
    )
