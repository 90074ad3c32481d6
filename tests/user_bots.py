"""Agents a user might name by import path in the tests."""

import asyncio
import os
import time

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


class SleepyPlayer(Player):
    """Takes far longer than any decision time limit a test sets."""

    async def choose_move(self, battle):
        await asyncio.sleep(30)
        return self.choose_random_move(battle)


class SlowSyncPlayer(Player):
    """Blocks the loop past the limit: its choice arrives, but too late to count."""

    def choose_move(self, battle):
        time.sleep(0.6)
        return self.choose_random_move(battle)


class MaskProbePlayer(Player):
    """Checks arena's action mask and encoder at every real decision, then plays randomly."""

    seen: list = []

    def choose_move(self, battle):
        from arena.models.neural.actions import N_MOVES, actions
        from arena.models.neural.features import encode

        legal = actions(battle)
        decoded = {_key(slot, k < N_MOVES) for k, slot in enumerate(legal.slots) if legal.mask[k]}
        valid = {_key(o.order, hasattr(o.order, "base_power")) for o in battle.valid_orders}
        MaskProbePlayer.seen.append((decoded, valid, encode(battle), legal.mask))
        return self.choose_random_move(battle)


def _key(target, is_move: bool):
    return ("move", target.id) if is_move else ("switch", target.species)


class BlockingPlayer(Player):
    """A synchronous search that never ends in time: it holds its thread for 30 s."""

    def choose_move(self, battle):
        time.sleep(30)
        return self.choose_random_move(battle)


DRIFT_TURN = "ARENA_TEST_DRIFT_TURN"


class DriftingPlayer(Player):
    """Not reproducible on purpose: its last move (else its last switch), except that in a
    process whose environment sets ARENA_TEST_DRIFT_TURN=N it sends the default order
    (Showdown's first legal one) from turn N on, as a bot reading something outside the
    battle would drift."""

    def choose_move(self, battle):
        drift = os.environ.get(DRIFT_TURN)
        if drift is not None and battle.turn >= int(drift):
            return self.choose_default_move()
        options = battle.available_moves or battle.available_switches
        return self.create_order(options[-1]) if options else self.choose_default_move()


class SeededRandomPlayer(Player):
    """A user's random bot written to replay: every draw comes from arena's generator."""

    def choose_move(self, battle):
        orders = battle.valid_orders
        return self.rng_for(battle).choice(orders) if orders else self.choose_default_move()
