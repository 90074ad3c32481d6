"""Battle → tensors: a fixed-shape, versioned view of a singles battle for the policy.

FEATURE_VERSION 1. Twelve Pokémon entities: the player's six (active first, then the
bench in switch-slot order, see `actions`) and the opponent's six (active first, then
revealed ones; unrevealed slots are zeros). Each has a species id, numeric features and
four move slots (move id, move type id, numeric move features). One global vector holds
turn and field state. Vocabularies are poke-env's own data: species and move ids are
1 + the index in the sorted union of its pokedex and movedex over generations 1–9
(0 = empty or unknown); type ids follow `PokemonType`. Any generation encodes; fields a
generation lacks stay zero.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np
from poke_env.battle import (
    Battle,
    Field,
    Move,
    MoveCategory,
    Pokemon,
    PokemonType,
    SideCondition,
    Status,
    Weather,
)
from poke_env.battle.move import SPECIAL_MOVES
from poke_env.data import GenData

from models.actions import move_slots, switch_slots
from models.damage import expected_damage, stats_of

FEATURE_VERSION = 1
N_ENTITIES = 12
N_MOVE_SLOTS = 4
STATUSES = list(Status)
TYPES = list(PokemonType)
BOOSTS = ("atk", "def", "spa", "spd", "spe", "accuracy", "evasion")
STATS = ("atk", "def", "spa", "spd", "spe")
CATEGORIES = list(MoveCategory)
POKEMON_FEATURES = 4 + len(STATUSES) + len(BOOSTS) + len(STATS) + len(TYPES) + 2
MOVE_FEATURES = 7 + len(CATEGORIES)
GLOBAL_FEATURES = 6 + len(Weather) + len(Field) + 2 * len(SideCondition)


@cache
def species_vocabulary() -> dict[str, int]:
    names = set().union(*(GenData.from_gen(g).pokedex for g in range(1, 10)))
    return {name: k + 1 for k, name in enumerate(sorted(names))}


@cache
def move_vocabulary() -> dict[str, int]:
    names = set().union(*(GenData.from_gen(g).moves for g in range(1, 10)))
    return {name: k + 1 for k, name in enumerate(sorted(names))}


def type_id(kind: PokemonType | None) -> int:
    return TYPES.index(kind) + 1 if kind in TYPES else 0


@dataclass
class Observation:
    """One decision's inputs; arrays so that many can be stacked into a batch."""

    species: np.ndarray  # int64 (12,)
    pokemon: np.ndarray  # float32 (12, POKEMON_FEATURES)
    moves: np.ndarray  # int64 (12, 4)
    move_types: np.ndarray  # int64 (12, 4)
    move_features: np.ndarray  # float32 (12, 4, MOVE_FEATURES)
    globals: np.ndarray  # float32 (GLOBAL_FEATURES,)


def _own_order(battle: Battle) -> list[Pokemon | None]:
    return [battle.active_pokemon, *switch_slots(battle)]


def _opponent_order(battle: Battle) -> list[Pokemon | None]:
    active = battle.opponent_active_pokemon
    others = [m for m in battle.opponent_team.values() if m is not active]
    return ([active] + others + [None] * N_ENTITIES)[: N_ENTITIES // 2]


def _pokemon_features(mon: Pokemon, own: bool) -> np.ndarray:
    stats, types = stats_of(mon), set(mon.types)
    return np.array(
        [
            mon.current_hp_fraction,
            float(mon.fainted),
            float(bool(mon.active)),
            1.0,
            *(float(mon.status == s) for s in STATUSES),
            *(mon.boosts.get(b, 0) / 6 for b in BOOSTS),
            *(stats[s] / 500 for s in STATS),
            *(float(t in types) for t in TYPES),
            mon.level / 100,
            float(own),
        ],
        dtype=np.float32,
    )


PP, EFFECTIVENESS, DAMAGE = 3, 4, 5  # the move features that change during a battle


@dataclass(frozen=True)
class _MoveData:
    """What never changes about a move in a generation: read once, not every decision."""

    vocabulary_id: int
    type: PokemonType | None
    type_id: int
    features: np.ndarray


@cache
def _move_data(move_id: str, gen: int) -> _MoveData:
    if move_id in SPECIAL_MOVES:  # recharge, struggle, fight: present, nothing more known
        return _MoveData(0, None, 0, np.eye(1, MOVE_FEATURES, dtype=np.float32)[0])
    move = Move(move_id, gen=gen)
    category = move.category
    features = np.array(
        [
            1.0,
            move.base_power / 150,
            move.accuracy,
            0.0,
            0.0,
            0.0,
            move.priority / 5,
            *(float(category == c) for c in CATEGORIES),
        ],
        dtype=np.float32,
    )
    return _MoveData(move_vocabulary().get(move_id, 0), move.type, type_id(move.type), features)


def _move_features(battle, move: Move, data: _MoveData, user, target, damage: bool):
    features = data.features.copy()
    if data.type is None:
        return features
    features[PP] = move.current_pp / move.max_pp if move.max_pp else 1.0
    if target is not None:
        features[EFFECTIVENESS] = target.damage_multiplier(data.type) / 4
        if damage:
            features[DAMAGE] = min(expected_damage(battle, move, user, target), 2.0)
    return features


def _globals(battle: Battle) -> np.ndarray:
    own_alive = sum(not m.fainted for m in battle.team.values())
    foe_alive = 6 - sum(m.fainted for m in battle.opponent_team.values())
    return np.array(
        [
            min(battle.turn / 100, 2.0),
            float(battle.force_switch),
            float(battle.trapped),
            battle.gen / 9,
            own_alive / 6,
            foe_alive / 6,
            *(float(w in battle.weather) for w in Weather),
            *(float(f in battle.fields) for f in Field),
            *(min(battle.side_conditions.get(c, 0), 3) / 3 for c in SideCondition),
            *(min(battle.opponent_side_conditions.get(c, 0), 3) / 3 for c in SideCondition),
        ],
        dtype=np.float32,
    )


def encode(battle: Battle) -> Observation:
    """The observation for the player's next decision; never raises on a live battle."""
    species_ids = species_vocabulary()
    obs = Observation(
        species=np.zeros(N_ENTITIES, np.int64),
        pokemon=np.zeros((N_ENTITIES, POKEMON_FEATURES), np.float32),
        moves=np.zeros((N_ENTITIES, N_MOVE_SLOTS), np.int64),
        move_types=np.zeros((N_ENTITIES, N_MOVE_SLOTS), np.int64),
        move_features=np.zeros((N_ENTITIES, N_MOVE_SLOTS, MOVE_FEATURES), np.float32),
        globals=_globals(battle),
    )
    own_active, foe_active = battle.active_pokemon, battle.opponent_active_pokemon
    entities = [(m, True) for m in _own_order(battle)] + [
        (m, False) for m in _opponent_order(battle)
    ]
    for k, (mon, own) in enumerate(entities):
        if mon is None:
            continue
        obs.species[k] = species_ids.get(mon.species, 0)
        obs.pokemon[k] = _pokemon_features(mon, own)
        slots = move_slots(battle) if k == 0 else list(mon.moves.values())[:N_MOVE_SLOTS]
        target = foe_active if own else own_active
        for j, move in enumerate(slots):
            if move is None:
                continue
            data = _move_data(move.id, battle.gen)
            obs.moves[k, j], obs.move_types[k, j] = data.vocabulary_id, data.type_id
            obs.move_features[k, j] = _move_features(battle, move, data, mon, target, k == 0)
    return obs


def stack(observations: list[Observation]) -> dict[str, np.ndarray]:
    """A batch: each field stacked along a new first axis."""
    return {
        name: np.stack([getattr(o, name) for o in observations])
        for name in Observation.__dataclass_fields__
    }
