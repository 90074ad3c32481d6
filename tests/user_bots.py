"""Agents a user might name by import path in the tests."""

from poke_env.player import Player


class FirstLegalPlayer(Player):
    """Always the first available move, else the first switch: a user's own bot."""

    def choose_move(self, battle):
        options = battle.available_moves or battle.available_switches
        return self.create_order(options[0]) if options else self.choose_random_move(battle)


class RaisingPlayer(Player):
    def choose_move(self, battle):
        raise RuntimeError("this agent always fails")


class NotAPlayer:
    def choose_move(self, battle):
        return None
