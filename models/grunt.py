"""Grunt: always the hardest-hitting move, the best type matchup when forced to switch.

A greedy damage dealer with no plan: the first rung above `max-power` on the ladder of
heuristic opponents, because it reads type effectiveness, STAB and accuracy.
"""

from poke_env.battle import AbstractBattle, Battle
from poke_env.player import Player

from models.damage import expected_damage, matchup


class GruntPlayer(Player):
    def choose_move(self, battle: AbstractBattle):
        if not isinstance(battle, Battle):
            return self.choose_random_move(battle)
        if battle.available_moves and not battle.force_switch:
            return self.create_order(self.strongest_move(battle))
        if battle.available_switches:
            return self.create_order(self.best_switch(battle))
        return self.choose_random_move(battle)

    @staticmethod
    def strongest_move(battle: Battle):
        attacker, defender = battle.active_pokemon, battle.opponent_active_pokemon
        if attacker is None or defender is None:
            return battle.available_moves[0]
        return max(
            battle.available_moves, key=lambda m: expected_damage(battle, m, attacker, defender)
        )

    @staticmethod
    def best_switch(battle: Battle):
        opponent = battle.opponent_active_pokemon
        if opponent is None:
            return battle.available_switches[0]
        return max(battle.available_switches, key=lambda mon: matchup(battle, mon, opponent))
