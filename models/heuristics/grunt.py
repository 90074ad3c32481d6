"""Grunt: always the hardest-hitting move, the best type matchup when made to switch.

It also switches when no move it has can hurt the opponent (say, a Normal-type Struggle
against a Ghost in Gen 1, where a frozen foe would otherwise tie the game at turn 1000),
provided a team-mate can.

A greedy damage dealer with no plan, the first rung above `max-power` on the ladder of
heuristic opponents: it weighs type effectiveness, STAB, stats and accuracy. Its orders
are only ever taken from the request's own moves and switches; a request it cannot judge
(doubles, one offering neither) gets a random legal order. Exceptions are not swallowed
here: arena's player wrapper counts them as agent errors, which is how a bug shows.
"""

from poke_env.battle import AbstractBattle, Battle, Move, Pokemon
from poke_env.player import BattleOrder, Player

from arena.models.heuristics.damage import expected_damage, matchup, threat


class GruntPlayer(Player):
    """Attacks with the move of highest expected damage; switches only when it must."""

    def choose_move(self, battle: AbstractBattle) -> BattleOrder:
        choice = self.decide(battle) if isinstance(battle, Battle) else None
        if choice is None:
            return self.choose_random_move(battle)
        return self.create_order(choice)

    def decide(self, battle: Battle) -> Move | Pokemon | None:
        """The move or switch to play, from the request's own options; None if it has none."""
        if battle.available_moves and not battle.force_switch:
            move = self.attack(battle)
            hitters = [] if _hurts(battle, move) else _hitters(battle)
            return self.switch_in(battle, hitters) if hitters else move
        if battle.available_switches:
            return self.switch_in(battle, battle.available_switches)
        return None

    def attack(self, battle: Battle) -> Move:
        return strongest_move(battle, battle.available_moves)

    def switch_in(self, battle: Battle, candidates: list[Pokemon]) -> Pokemon:
        return best_matchup(battle, candidates)


def strongest_move(battle: Battle, moves: list[Move]) -> Move:
    """The move of highest expected damage on the opponent's active Pokémon."""
    attacker, defender = battle.active_pokemon, battle.opponent_active_pokemon
    if attacker is None or defender is None:
        return max(moves, key=lambda move: move.base_power)
    return max(moves, key=lambda move: expected_damage(battle, move, attacker, defender))


def _hurts(battle: Battle, move: Move) -> bool:
    attacker, defender = battle.active_pokemon, battle.opponent_active_pokemon
    return (
        attacker is None
        or defender is None
        or expected_damage(battle, move, attacker, defender) > 0
    )


def _hitters(battle: Battle) -> list[Pokemon]:
    """Switch-ins with a move that hurts the opponent; none while a switch may be refused."""
    defender = battle.opponent_active_pokemon
    if defender is None or battle.maybe_trapped:
        return []
    return [mon for mon in battle.available_switches if threat(battle, mon, defender) > 0]


def best_matchup(battle: Battle, candidates: list[Pokemon]) -> Pokemon:
    """The candidate with the best type matchup; the healthier one breaks a tie."""
    opponent = battle.opponent_active_pokemon
    if opponent is None:
        return max(candidates, key=lambda mon: mon.current_hp_fraction)
    return max(
        candidates,
        key=lambda mon: (matchup(battle, mon, opponent), mon.current_hp_fraction),
    )
