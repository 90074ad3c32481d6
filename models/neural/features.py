"""Battle → tensors: a fixed-shape, versioned view of a singles battle for the policy.

FEATURE_VERSION 2. Twelve Pokémon entities: the player's six (active first, then the
bench in switch-slot order, see `actions`) and the opponent's six (active first, then
revealed ones; unrevealed slots are zeros). Each has a species id, numeric features and
four move slots (move id, move type id, numeric move features). One global vector holds
turn and field state. Vocabularies are poke-env's own data: species and move ids are
1 + the index in the sorted union of its pokedex and movedex over generations 1–9
(poke-env 0.16.1's, frozen in `models/neural/vocabularies/`; 0 = empty or unknown); type ids
follow `PokemonType`. Any generation encodes; fields a generation lacks stay zero.

Version 2 over version 1: every move slot of every one of the player's Pokémon carries
its expected damage against the opposing active Pokémon (version 1: the active's only),
by the encoder's own frozen arithmetic (`encoding_damage`), never the heuristic bots';
boosts and changed types are read on the two active Pokémon (switching out clears both).

Speed: an encode runs at every decision of every battle, live and when a dataset is
built, so what is fixed for a Pokémon (species, level, stats) or a moveset is made once
into table rows; a decision gathers its rows by index and writes only what changes:
HP, status, PP, boosts, effectiveness and damage (memoised per matchup).

One module, though long: FEATURE_VERSION pins everything in it at once (the layout, the
tables and the arithmetic), so a change to any part is read, and versioned, in one place.
"""

from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

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

from arena.models.neural.actions import move_slots, switch_slots
from arena.models.neural.encoding_damage import (
    boost,
    crit_chance,
    estimated_stat,
    expected_hits,
    mean_hit,
)

FEATURE_VERSION = 2
N_ENTITIES = 12
N_OWN = N_ENTITIES // 2
N_MOVE_SLOTS = 4
STATUSES = list(Status)
TYPES = list(PokemonType)
BOOSTS = ("atk", "def", "spa", "spd", "spe", "accuracy", "evasion")
STATS = ("atk", "def", "spa", "spd", "spe")
CATEGORIES = list(MoveCategory)
POKEMON_FEATURES = 4 + len(STATUSES) + len(BOOSTS) + len(STATS) + len(TYPES) + 2
MOVE_FEATURES = 7 + len(CATEGORIES)
GLOBAL_FEATURES = 6 + len(Weather) + len(Field) + 2 * len(SideCondition)

# Pokémon feature columns
HP, FAINTED, ACTIVE, REVEALED = 0, 1, 2, 3
STATUS_AT = 4
BOOST_AT = STATUS_AT + len(STATUSES)
STAT_AT = BOOST_AT + len(BOOSTS)
TYPE_AT = STAT_AT + len(STATS)
LEVEL = TYPE_AT + len(TYPES)
OWN = LEVEL + 1
# Move feature columns
PRESENT, POWER, ACCURACY, PP, EFFECTIVENESS, DAMAGE, PRIORITY, CATEGORY_AT = range(8)
DAMAGE_CAP = 2.0  # twice the defender's HP already says all there is to say
# Global feature columns
WEATHER_AT = 6
FIELD_AT = WEATHER_AT + len(Weather)
SIDE_AT = FIELD_AT + len(Field)
FOE_SIDE_AT = SIDE_AT + len(SideCondition)

TYPE_ID = {t: k + 1 for k, t in enumerate(TYPES)}
STATUS_COLUMN = {s: STATUS_AT + k for k, s in enumerate(STATUSES)}
BOOST_COLUMN = {b: BOOST_AT + k for k, b in enumerate(BOOSTS)}
WEATHER_COLUMN = {w: WEATHER_AT + k for k, w in enumerate(Weather)}
FIELD_COLUMN = {f: FIELD_AT + k for k, f in enumerate(Field)}
SIDE_INDEX = {c: k for k, c in enumerate(SideCondition)}
NEUTRAL_TYPES = (PokemonType.THREE_QUESTION_MARKS, PokemonType.STELLAR)
HALF_HP_MOVES = {"superfang", "naturesmadness", "ruination"}
DAMAGE_MEMO = 1 << 16  # matchups remembered; a gen1ou dataset meets far fewer


@cache
def species_vocabulary() -> dict[str, int]:
    return _vocabulary("species")


@cache
def move_vocabulary() -> dict[str, int]:
    return _vocabulary("moves")


def _vocabulary(name: str) -> dict[str, int]:
    """Ids as shipped in `models/neural/vocabularies/` (poke-env 0.16.1's sorted union over
    generations 1–9, frozen there): reading every generation's data costs each process
    some 300 MiB, and the ids must not move when poke-env does."""
    text = (resources.files("arena.models.neural") / "vocabularies" / f"{name}.txt").read_text()
    return {entry: k + 1 for k, entry in enumerate(text.split())}


def type_id(kind: PokemonType | None) -> int:
    return TYPE_ID.get(kind, 0)


@dataclass
class Observation:
    """One decision's inputs; arrays so that many can be stacked into a batch."""

    species: np.ndarray  # int64 (12,)
    pokemon: np.ndarray  # float32 (12, POKEMON_FEATURES)
    moves: np.ndarray  # int64 (12, 4)
    move_types: np.ndarray  # int64 (12, 4)
    move_features: np.ndarray  # float32 (12, 4, MOVE_FEATURES)
    globals: np.ndarray  # float32 (GLOBAL_FEATURES,)


class _Table:
    """Rows made once per key and gathered many at a time by index; row 0 is empty.

    Each row has numpy columns (gathered into observations) and a Python record (read by
    the damage arithmetic). Rows are never changed or removed, so an index stays valid
    as a memo key for the life of the process.
    """

    def __init__(self, **columns: tuple[tuple[int, ...], type]):
        self.columns = {
            name: np.zeros((64, *shape), dtype) for name, (shape, dtype) in columns.items()
        }
        self.index: dict[tuple, int] = {}
        self.records: list = [None]

    def add(self, key: tuple, record, **values) -> int:
        row = len(self.records)
        if row == len(next(iter(self.columns.values()))):
            for name, array in self.columns.items():
                grown = np.zeros((2 * len(array), *array.shape[1:]), array.dtype)
                grown[: len(array)] = array
                self.columns[name] = grown
        for name, value in values.items():
            self.columns[name][row] = value
        self.index[key] = row
        self.records.append(record)
        return row


# -- what is fixed per move, Pokémon and moveset ------------------------------------


@dataclass(frozen=True)
class _MoveData:
    """What never changes about a move in a generation, the damage inputs included."""

    vocabulary_id: int
    type_id: int
    max_pp: int  # 0 for the pseudo-moves (`recharge`, `struggle`), which have no PP
    features: np.ndarray  # (MOVE_FEATURES,): PP, effectiveness and damage left 0
    damaging: bool = False
    power: int = 0
    physical: bool = False  # attacks with Attack, else Special Attack
    against_defense: bool = False  # hits Defense, else Special Defense
    accuracy: float = 0.0
    hits: float = 0.0
    crit_stage: int = 0
    fixed: int | str = 0  # fixed damage in HP, or "level"
    half_hp: bool = False  # takes half the defender's current HP
    ignores_immunity: bool = False


_EMPTY_SLOT = _MoveData(0, 0, 0, np.zeros(MOVE_FEATURES, np.float32))


@cache
def _move_data(move_id: str, gen: int) -> _MoveData:
    if move_id in SPECIAL_MOVES:  # recharge, struggle, fight: present, nothing more known
        return _MoveData(0, 0, 0, np.eye(1, MOVE_FEATURES, dtype=np.float32)[0])
    move = Move(move_id, gen=gen)
    category = move.category
    features = np.zeros(MOVE_FEATURES, np.float32)
    features[[PRESENT, POWER, ACCURACY, PRIORITY]] = (
        1.0,
        move.base_power / 150,
        move.accuracy,
        move.priority / 5,
    )
    features[CATEGORY_AT + CATEGORIES.index(category)] = 1.0
    ignored = move.ignore_immunity
    return _MoveData(
        vocabulary_id=move_vocabulary().get(move_id, 0),
        type_id=type_id(move.type),
        max_pp=move.max_pp,
        features=features,
        damaging=category != MoveCategory.STATUS,
        power=move.base_power,
        physical=category == MoveCategory.PHYSICAL,
        against_defense=move.defensive_category == MoveCategory.PHYSICAL,
        accuracy=move.accuracy,
        hits=expected_hits(gen, *move.n_hit),
        crit_stage=move.crit_ratio,
        fixed=move.damage,
        half_hp=move_id in HALF_HP_MOVES,
        ignores_immunity=ignored is True or (isinstance(ignored, set) and move.type in ignored),
    )


@dataclass(frozen=True)
class _Moveset:
    moves: tuple[_MoveData, ...]
    half_hp: bool  # any slot whose damage follows the defender's HP


def _moveset_row(gen: int, ids: tuple[str, ...]) -> int:
    """The row of a moveset by its move ids ("" for an empty slot)."""
    key = (gen, *ids)
    row = _MOVESETS.index.get(key)
    if row is not None:
        return row
    data = [_move_data(move_id, gen) if move_id else _EMPTY_SLOT for move_id in ids]
    data += [_EMPTY_SLOT] * (N_MOVE_SLOTS - len(data))
    return _MOVESETS.add(
        key,
        _Moveset(tuple(data), any(d.half_hp for d in data)),
        moves=[d.vocabulary_id for d in data],
        move_types=[d.type_id for d in data],
        move_features=np.stack([d.features for d in data]),
    )


@dataclass(frozen=True)
class _Mon:
    """What the damage arithmetic needs of a Pokémon beyond its boosts and status."""

    level: int
    stats: dict[str, int]  # hp, atk, def, spa, spd, spe: seen, else estimated
    base_speed: int
    types: tuple[int, int]  # type ids of its species, 0 for none


@cache
def _species(species: str, gen: int) -> tuple[int, dict[str, int], tuple[int, int]] | None:
    entry = GenData.from_gen(gen).pokedex.get(species)
    if entry is None:
        return None
    kinds = [type_id(PokemonType.from_name(name)) for name in entry["types"]]
    return species_vocabulary().get(species, 0), entry["baseStats"], (*kinds, 0)[:2]


def _pokemon_row(gen: int, mon: Pokemon, own: bool) -> int:
    seen = mon.stats
    key = (gen, mon.species, mon.level, own, *(seen.values() if seen else ()))
    row = _POKEMON.index.get(key)
    if row is not None:
        return row
    known = _species(mon.species, gen)
    if known is None:  # not in this generation's pokedex: what poke-env made of it
        kinds = [type_id(kind) for kind in mon.base_types]
        known = 0, mon.base_stats, (*kinds, 0)[:2]
    vocabulary_id, base, kinds = known
    level = mon.level
    stats = {
        name: (seen or {}).get(name) or estimated_stat(gen, name, base.get(name, 0), level)
        for name in ("hp", *STATS)
    }
    features = np.zeros(POKEMON_FEATURES, np.float32)
    features[REVEALED] = 1.0
    features[STAT_AT : STAT_AT + len(STATS)] = [stats[s] / 500 for s in STATS]
    for kind in kinds:
        if kind:
            features[TYPE_AT + kind - 1] = 1.0
    features[LEVEL], features[OWN] = level / 100, float(own)
    record = _Mon(level, stats, base.get("spe", 0), kinds)
    return _POKEMON.add(key, record, species=vocabulary_id, pokemon=features)


_POKEMON = _Table(species=((), np.int64), pokemon=((POKEMON_FEATURES,), np.float32))
_MOVESETS = _Table(
    moves=((N_MOVE_SLOTS,), np.int64),
    move_types=((N_MOVE_SLOTS,), np.int64),
    move_features=((N_MOVE_SLOTS, MOVE_FEATURES), np.float32),
)


@cache
def _type_chart(gen: int) -> np.ndarray:
    """Multipliers by [attacking type id, defending type id]; id 0 attacks for nothing
    and defends neutrally (a Pokémon's missing second type)."""
    chart = GenData.from_gen(gen).type_chart
    table = np.ones((len(TYPES) + 1, len(TYPES) + 1))
    table[0] = 0.0
    for attack in TYPES:
        for defence in TYPES:
            if attack not in NEUTRAL_TYPES and defence not in NEUTRAL_TYPES:
                row = chart.get(defence.name, {})
                table[TYPE_ID[attack], TYPE_ID[defence]] = row.get(attack.name, 1.0)
    return table


@cache
def _effectiveness(gen: int, kinds: tuple[int, int]) -> np.ndarray:
    """Per attacking type id, the multiplier on a Pokémon of these types, over 4."""
    chart = _type_chart(gen)
    return (chart[:, kinds[0]] * chart[:, kinds[1]] / 4).astype(np.float32)


# -- expected damage ----------------------------------------------------------------


@lru_cache(maxsize=DAMAGE_MEMO)
def _damage(
    gen: int,
    attacker_row: int,
    moveset_row: int,
    attacker: tuple[int, int, bool, tuple[int, int]],  # atk and spa stages, burned, types
    defender_row: int,
    defender: tuple[int, int, tuple[int, int]],  # def and spd stages, types
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Expected damage of each move slot as a fraction of the defender's max HP, in two
    parts: a fixed one and one per unit of the defender's current HP fraction (half-HP
    moves), so a memoised matchup stays right as the defender's HP changes."""
    mon, foe = _POKEMON.records[attacker_row], _POKEMON.records[defender_row]
    atk_stage, spa_stage, burned, attacker_types = attacker
    def_stage, spd_stage, defender_types = defender
    chart = _type_chart(gen)
    fixed, per_hp = [], []
    for move in _MOVESETS.records[moveset_row].moves:
        effect = chart[move.type_id, defender_types[0]] * chart[move.type_id, defender_types[1]]
        dealt, follows_hp = 0.0, 0.0
        if not move.damaging or (effect == 0 and not move.ignores_immunity):
            pass
        elif move.fixed:
            dealt = (mon.level if move.fixed == "level" else move.fixed) / foe.stats["hp"]
        elif move.half_hp:
            follows_hp = 0.5
        elif move.power:
            offence = "atk" if move.physical else "spa"
            defence = "def" if move.against_defense else "spd"
            attack = mon.stats[offence]
            guard = foe.stats[defence]
            hit = mean_hit(
                gen,
                mon.level,
                move.power,
                (attack * boost(atk_stage if move.physical else spa_stage), attack),
                (guard * boost(def_stage if move.against_defense else spd_stage), guard),
                crit_chance(gen, move.crit_stage, mon.base_speed),
            )
            stab = 1.5 if move.type_id in attacker_types else 1.0
            burn = 0.5 if burned and move.physical else 1.0
            dealt = hit * stab * effect * burn * move.hits / foe.stats["hp"]
        fixed.append(min(dealt * move.accuracy, DAMAGE_CAP))
        per_hp.append(follows_hp * move.accuracy)
    return tuple(fixed), tuple(per_hp)


# -- one decision -------------------------------------------------------------------


def _opponent_order(battle: Battle, active: Pokemon | None) -> list[Pokemon | None]:
    others = [m for m in battle.opponent_team.values() if m is not active]
    return ([active] + others + [None] * N_ENTITIES)[:N_OWN]


def _active_types(mon: Pokemon) -> tuple[int, int]:
    return type_id(mon.type_1), type_id(mon.type_2)


def _write_active(row: np.ndarray, mon: Pokemon, kinds: tuple[int, int]) -> None:
    """Boosts and current types: only an active Pokémon can have them differ from zero
    and from its species."""
    for name, stage in mon.boosts.items():
        if stage and name in BOOST_COLUMN:
            row[BOOST_COLUMN[name]] = stage / 6
    row[TYPE_AT:LEVEL] = 0.0
    for kind in kinds:
        if kind:
            row[TYPE_AT + kind - 1] = 1.0


def _globals(battle: Battle) -> np.ndarray:
    values = np.zeros(GLOBAL_FEATURES, np.float32)
    own_fainted = sum(m.fainted for m in battle.team.values())
    foe_fainted = sum(m.fainted for m in battle.opponent_team.values())
    values[:WEATHER_AT] = (
        min(battle.turn / 100, 2.0),
        float(battle.force_switch),
        float(battle.trapped),
        battle.gen / 9,
        (len(battle.team) - own_fainted) / 6,
        (6 - foe_fainted) / 6,
    )
    for weather in battle.weather:
        values[WEATHER_COLUMN[weather]] = 1.0
    for field in battle.fields:
        values[FIELD_COLUMN[field]] = 1.0
    for at, conditions in (
        (SIDE_AT, battle.side_conditions),
        (FOE_SIDE_AT, battle.opponent_side_conditions),
    ):
        for condition, layers in conditions.items():
            values[at + SIDE_INDEX[condition]] = min(layers, 3) / 3
    return values


def encode(battle: Battle) -> Observation:
    """The observation for the player's next decision; never raises on a live battle."""
    gen = battle.gen
    own_active, foe_active = battle.active_pokemon, battle.opponent_active_pokemon
    entities = [own_active, *switch_slots(battle), *_opponent_order(battle, foe_active)]
    rows, sets = [0] * N_ENTITIES, [0] * N_ENTITIES
    hp, fainted, active = [0.0] * N_ENTITIES, [False] * N_ENTITIES, [False] * N_ENTITIES
    status_at: tuple[list[int], list[int]] = ([], [])
    pp_at: list[int] = []
    pp: list[float] = []
    for k, mon in enumerate(entities):
        if mon is None:
            continue
        rows[k] = _pokemon_row(gen, mon, k < N_OWN)
        if k == 0:
            slots = move_slots(battle)
            sets[k] = _moveset_row(gen, tuple(m.id if m is not None else "" for m in slots))
        else:  # poke-env keys a Pokémon's moves by their ids
            known = mon.moves
            slots = list(known.values())[:N_MOVE_SLOTS]
            sets[k] = _moveset_row(gen, tuple(known)[:N_MOVE_SLOTS])
        hp[k], active[k], status = mon.current_hp_fraction, bool(mon.active), mon.status
        if status is not None:
            fainted[k] = status == Status.FNT
            status_at[0].append(k)
            status_at[1].append(STATUS_COLUMN[status])
        moveset = _MOVESETS.records[sets[k]].moves  # padded to 4 slots; `slots` may be fewer
        for j, (move, data) in enumerate(zip(slots, moveset, strict=False)):
            if data.max_pp:
                pp_at.append(k * N_MOVE_SLOTS + j)
                pp.append(move.current_pp / data.max_pp)

    pokemon = _POKEMON.columns["pokemon"][rows]
    pokemon[:, HP], pokemon[:, FAINTED], pokemon[:, ACTIVE] = hp, fainted, active
    pokemon[status_at] = 1.0
    move_types = _MOVESETS.columns["move_types"][sets]
    move_features = _MOVESETS.columns["move_features"][sets]
    move_features.reshape(-1, MOVE_FEATURES)[pp_at, PP] = pp
    if own_active is not None:
        kinds = _active_types(own_active)
        _write_active(pokemon[0], own_active, kinds)
        move_features[N_OWN:, :, EFFECTIVENESS] = _effectiveness(gen, kinds)[move_types[N_OWN:]]
    if foe_active is not None:
        kinds = _active_types(foe_active)
        _write_active(pokemon[N_OWN], foe_active, kinds)
        move_features[:N_OWN, :, EFFECTIVENESS] = _effectiveness(gen, kinds)[move_types[:N_OWN]]
        move_features[:N_OWN, :, DAMAGE] = _own_damage(
            battle, entities, rows, sets, foe_active, kinds
        )
    return Observation(
        species=_POKEMON.columns["species"][rows],
        pokemon=pokemon,
        moves=_MOVESETS.columns["moves"][sets],
        move_types=move_types,
        move_features=move_features,
        globals=_globals(battle),
    )


def _own_damage(battle, entities, rows, sets, foe: Pokemon, foe_types) -> list:
    """Expected damage of the player's 6 x 4 move slots on the opposing active."""
    gen, boosts = battle.gen, foe.boosts
    defender = (boosts.get("def", 0), boosts.get("spd", 0), foe_types)
    foe_hp = foe.current_hp_fraction
    table = []
    for k, mon in enumerate(entities[:N_OWN]):
        if mon is None:
            table.append((0.0,) * N_MOVE_SLOTS)
            continue
        burned = mon.status == Status.BRN
        if k == 0:
            stages = mon.boosts
            attacker = (stages.get("atk", 0), stages.get("spa", 0), burned, _active_types(mon))
        else:
            attacker = (0, 0, burned, _POKEMON.records[rows[k]].types)
        fixed, per_hp = _damage(gen, rows[k], sets[k], attacker, rows[N_OWN], defender)
        if _MOVESETS.records[sets[k]].half_hp:
            fixed = tuple(f + h * foe_hp for f, h in zip(fixed, per_hp, strict=True))
        table.append(fixed)
    return table


def stack(observations: list[Observation]) -> dict[str, np.ndarray]:
    """A batch: each field stacked along a new first axis."""
    return {
        name: np.stack([getattr(o, name) for o in observations])
        for name in Observation.__dataclass_fields__
    }
