"""Search: a player that looks ahead on Showdown's own simulator (spec `search:N`).

Each decision, the player's view of the battle (its own team as its requests describe it,
the opponent as seen) is sent with a few sampled opposing teams (`determinise`) to a search
worker (arena.showdown.search), which runs N iterations of decoupled UCT on the real rules
and answers with its root visit counts. The worker runs in its own process, so the event
loop only awaits; its deadline is arena's decision limit, so a large N still answers in
time. Sampling is seeded by the battle's tag and turn, so a battle replays.

The visits, with Gym Leader's choice credited PRIOR_SHARE of the iterations as extra
visits (near-ties go its way, a clearly better action found by the search still wins),
are the decision's distribution (`choice_distribution`, a teacher's target); the player
plays its most likely action. A decision with one option is not searched, and one the
search cannot answer (a failed worker, actions the simulator named that poke-env does not
offer) is Gym Leader's.
"""

import asyncio
import contextlib
import hashlib
import logging
import random
import time

from poke_env.battle import AbstractBattle, Battle, Pokemon
from poke_env.battle.effect import Effect
from poke_env.data import to_id_str
from poke_env.player.battle_order import BattleOrder

from arena.models.heuristics.determinise import (
    Determiniser,
    KnownSet,
    opponent_team_size,
    sightings,
)
from arena.models.heuristics.gym_leader import GymLeaderPlayer
from arena.showdown.search import SearchFailed, blocking_search, shared_pool

log = logging.getLogger("arena")
DEFAULT_ITERATIONS = 64
ITERATIONS_PER_WORLD = 8  # iterations per sampled opposing team, up to MAX_WORLDS teams
MAX_WORLDS = 8
DEADLINE_SHARE = 0.6  # of arena's decision limit: the rest covers the trips to the worker
PRIOR_SHARE = 0.1  # of the iterations done, credited to Gym Leader's choice as visits
# poke-env's effects that the search sets up on an active Pokémon, as Showdown's volatiles.
VOLATILES = {
    Effect.SUBSTITUTE: "substitute",
    Effect.CONFUSION: "confusion",
    Effect.LEECH_SEED: "leechseed",
    Effect.REFLECT: "reflect",
}


class SearchPlayer(GymLeaderPlayer):
    iterations: int = DEFAULT_ITERATIONS
    decision_timeout: float = 10.0  # arena's limit, set on the player by arena

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:  # a player built outside an event loop (a teacher's) has no loop's workers
            self._warming = asyncio.get_running_loop().create_task(self._warm())
        except RuntimeError:
            self._warming = None

    async def _warm(self) -> None:
        """Starts this loop's workers and loads the format's rules while the battle starts,
        so that the first decision does not pay for them against its time limit."""
        with contextlib.suppress(Exception):  # a failed start is reported by the decision
            await (await shared_pool()).warm(self.format)

    async def choose_move(self, battle: AbstractBattle) -> BattleOrder:
        if not isinstance(battle, Battle):
            return self.choose_random_move(battle)
        return _likeliest(await self.search_distribution(battle))

    async def search_distribution(self, battle: Battle) -> list[tuple[BattleOrder, float]]:
        """`choice_distribution` for a coroutine: the search runs on this loop's workers."""
        if len(self._options(battle)) <= 1:
            return [(GymLeaderPlayer.choose_move(self, battle), 1.0)]
        started = time.thread_time()
        request = self.request(battle)
        asking_ms = (time.thread_time() - started) * 1000
        try:
            reply = await (await shared_pool()).search(request, asking_ms)
        except SearchFailed as error:
            log.warning("%s: %s; Gym Leader's choice instead", self.username, error)
            return [(GymLeaderPlayer.choose_move(self, battle), 1.0)]
        return self._distribution(battle, reply)

    def choice_distribution(self, battle: Battle) -> list[tuple[BattleOrder, float]]:
        """The root's visit distribution for the decision at `battle` (probabilities that
        sum to 1), from the search `choose_move` runs and picks its likeliest action from:
        the same request, seed and worker code. It blocks its caller, on a worker of its
        own; a coroutine awaits `search_distribution` instead."""
        if len(self._options(battle)) <= 1:
            return [(GymLeaderPlayer.choose_move(self, battle), 1.0)]
        try:
            reply = blocking_search(self.request(battle))
        except SearchFailed as error:
            log.warning("%s: %s; Gym Leader's choice instead", self.username, error)
            return [(GymLeaderPlayer.choose_move(self, battle), 1.0)]
        return self._distribution(battle, reply)

    def _options(self, battle: Battle) -> list[BattleOrder]:
        return [self.create_order(o) for o in battle.available_moves + battle.available_switches]

    def _distribution(self, battle: Battle, reply: dict) -> list[tuple[BattleOrder, float]]:
        """The worker's root visits as orders poke-env offers, Gym Leader's choice credited
        PRIOR_SHARE of the iterations, normalised; Gym Leader's choice alone if none fit."""
        heuristic = GymLeaderPlayer.choose_move(self, battle)
        weights: dict[str, tuple[BattleOrder, float]] = {}
        for key, visits in reply.get("visits", {}).items():
            order = self._order(battle, key)
            if order is not None and visits > 0:
                weights[order.message] = (order, float(visits))
        if heuristic.message in weights:
            order, visits = weights[heuristic.message]
            weights[heuristic.message] = (order, visits + PRIOR_SHARE * reply["iterations"])
        total = sum(weight for _, weight in weights.values())
        if not total:
            return [(heuristic, 1.0)]
        return [(order, weight / total) for order, weight in weights.values()]

    def request(self, battle: Battle) -> dict:
        """What the worker searches: the player's view, sampled worlds, budget and seed."""
        seed = decision_seed(battle)
        rng = random.Random(seed)
        determiniser = Determiniser.for_format(self.format, battle.gen)
        seen = sightings(battle)
        size = opponent_team_size(battle)
        worlds = min(MAX_WORLDS, max(1, self.iterations // ITERATIONS_PER_WORLD))
        opposing = sorted(battle.opponent_team.values(), key=lambda mon: not mon.active)
        return {
            "format": self.format,
            "seed": seed % 2**32,
            "iterations": self.iterations,
            "deadline": (time.time() + DEADLINE_SHARE * self.decision_timeout) * 1000,
            "turn": battle.turn,
            "me": [own_mon(mon) for mon in _active_first(battle.team.values())],
            "worlds": [
                opposing_team(opposing, determiniser.sample(seen, size, rng)) for _ in range(worlds)
            ],
        }

    def _order(self, battle: Battle, key: str) -> BattleOrder | None:
        """The order for one of the worker's keys (`move:ID`, `switch:SPECIES NAME`)."""
        kind, _, name = key.partition(":")
        if kind == "move":
            found = [m for m in battle.available_moves if m.id == name]
        else:
            found = [m for m in battle.available_switches if m.species == to_id_str(name)]
        return self.create_order(found[0]) if found else None


def _likeliest(distribution: list[tuple[BattleOrder, float]]) -> BattleOrder:
    return max(distribution, key=lambda entry: entry[1])[0]


def decision_seed(battle: Battle) -> int:
    """The decision's own seed, from the battle's tag and turn (and whether it is a forced
    switch, which shares its turn with a move), so a replayed battle searches the same."""
    text = f"{battle.battle_tag}:{battle.turn}:{bool(battle.force_switch)}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _active_first(mons) -> list[Pokemon]:
    return sorted(mons, key=lambda mon: not mon.active)


def _condition(mon: Pokemon) -> dict:
    """What both players see of a Pokémon: HP share, status, boosts, volatiles."""
    status = mon.status.name.lower() if mon.status is not None else ""
    volatiles = [name for effect, name in VOLATILES.items() if effect in mon.effects]
    if mon.must_recharge:
        volatiles.append("mustrecharge")
    return {
        "hp_fraction": mon.current_hp_fraction,
        "status": status,
        "sleep_turns": mon.status_counter if status == "slp" else 0,
        "boosts": dict(mon.boosts),
        "active": mon.active,
        "fainted": mon.fainted,
        "volatiles": volatiles,
    }


def own_mon(mon: Pokemon) -> dict:
    """One of the player's own Pokémon, as its requests describe it (exact HP and stats)."""
    moves = tuple(mon.moves)
    entry = _condition(mon)
    entry["set"] = KnownSet(mon.species, moves, mon.level).as_set()
    entry["hp"] = mon.current_hp
    entry["maxhp"] = mon.max_hp
    entry["stats"] = {k: v for k, v in mon.stats.items() if k != "hp" and v is not None}
    entry["pp"] = {move_id: move.current_pp for move_id, move in mon.moves.items()}
    return entry


def opposing_team(seen: list[Pokemon], sampled: list[KnownSet]) -> list[dict]:
    """A sampled opposing team, the Pokémon seen in the state they were seen in."""
    team = []
    for index, known in enumerate(sampled):
        entry = _condition(seen[index]) if index < len(seen) else _fresh()
        entry["set"] = known.as_set()
        team.append(entry)
    return team


def _fresh() -> dict:
    return {"hp_fraction": 1.0, "status": "", "boosts": {}, "active": False, "fainted": False}
