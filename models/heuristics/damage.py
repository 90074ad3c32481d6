"""Damage, threat, matchup and speed estimates the heuristic bots share.

Damage is a fraction of the defender's max HP, so it compares directly with
`current_hp_fraction` to spot knock-outs. Gen 1 and 2 go through poke-env's port of
Showdown's Gen 1–2 damage calculator, which models the quirks those generations are known
for; later generations, and any state that calculator cannot handle, use the main-series
formula on estimated stats. A player never sees the opponent's stats, so they are
estimated from base stats with the investment random battles give; the calculator insists
on complete stats, so it is lent those estimates and the battle is put back as it was.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from poke_env.battle import AbstractBattle, Move, MoveCategory, Pokemon, PokemonType, Status
from poke_env.calc.damage_calc_gen1_2 import calculate_damage_gen12

MEAN_ROLL = 0.925  # rolls are uniform on 217..255/255 in Gen 1–2, 85..100 % later
STAB_GUESS_POWER = 80  # an unrevealed attack is taken to be a STAB move this strong
HALF_HP_MOVES = {"superfang", "naturesmadness", "ruination"}
# Moves whose power depends on hidden state (happiness, weight, IVs): a typical value.
NOMINAL_POWER = {
    "return": 102,
    "frustration": 102,
    "hiddenpower": 60,
    "magnitude": 71,
    "lowkick": 60,
    "grassknot": 60,
    "heavyslam": 80,
    "heatcrash": 80,
    "gyroball": 80,
    "electroball": 80,
}
ABILITY_IMMUNITY = {
    "levitate": PokemonType.GROUND,
    "eartheater": PokemonType.GROUND,
    "flashfire": PokemonType.FIRE,
    "wellbakedbody": PokemonType.FIRE,
    "waterabsorb": PokemonType.WATER,
    "stormdrain": PokemonType.WATER,
    "dryskin": PokemonType.WATER,
    "voltabsorb": PokemonType.ELECTRIC,
    "lightningrod": PokemonType.ELECTRIC,
    "motordrive": PokemonType.ELECTRIC,
    "sapsipper": PokemonType.GRASS,
}
# Before Gen 4 a move's type decided whether it was physical.
PHYSICAL_TYPES_BEFORE_SPLIT = {
    PokemonType.NORMAL,
    PokemonType.FIGHTING,
    PokemonType.FLYING,
    PokemonType.POISON,
    PokemonType.GROUND,
    PokemonType.ROCK,
    PokemonType.BUG,
    PokemonType.GHOST,
    PokemonType.STEEL,
}
GEN2_CRIT_IN_256 = (17, 17, 32, 64, 85, 128)  # by crit ratio; 0 means the default, 1
CALCULATOR_ERRORS = (
    ArithmeticError,
    AssertionError,
    AttributeError,
    LookupError,
    TypeError,
    ValueError,
)


def expected_damage(
    battle: AbstractBattle, move: Move, attacker: Pokemon, defender: Pokemon
) -> float:
    """Expected damage of `move` per turn it takes, as a fraction of the defender's max HP.

    Accuracy weighs it in, and moves that spend a second turn charging or recharging
    count half, as a turn spent on them is a turn not spent attacking; in Gen 1 a
    knock-out skips Hyper Beam's recharge, so such a blow counts in full.
    """
    damage = hit_damage(battle, move, attacker, defender)
    if not damage:  # keeps the `recharge` pseudo-move, which has no flags, off `move.flags`
        return 0.0
    knocks_out = damage >= defender.current_hp_fraction > 0
    slow = "charge" in move.flags or (
        "recharge" in move.flags and not (battle.gen == 1 and knocks_out)
    )
    return damage * move.accuracy / (2 if slow else 1)


def hit_damage(battle: AbstractBattle, move: Move, attacker: Pokemon, defender: Pokemon) -> float:
    """Damage `move` deals when it lands, as a fraction of the defender's max HP.

    The mean over damage rolls, critical hits and (for multi-hit moves) hit counts: the
    figure to hold against the defender's HP when asking whether it knocks out.
    """
    if move.category == MoveCategory.STATUS or _immune(battle, move, defender):
        return 0.0
    if move.damage:
        fixed = attacker.level if move.damage == "level" else move.damage
        return fixed / stats_of(defender)["hp"]
    if move.id in HALF_HP_MOVES:
        return defender.current_hp_fraction / 2
    if move.id == "dreameater" and defender.status != Status.SLP:
        return 0.0
    per_hit = _calculated(battle, move, attacker, defender) if battle.gen <= 2 else None
    if per_hit is None:
        per_hit = _formula(battle, move, attacker, defender)
    return per_hit * _expected_hits(battle, move, attacker)


def threat(battle: AbstractBattle, attacker: Pokemon, defender: Pokemon) -> float:
    """The hardest single hit `attacker` can be expected to land on `defender` next turn.

    Our own Pokémon's moves are all known. The opponent's count as revealed and, while
    fewer than four are, each of its types stands for a STAB attack it may yet show.
    """
    hits = [hit_damage(battle, m, attacker, defender) for m in attacker.moves.values()]
    if not _is_ours(battle, attacker) and len(attacker.moves) < 4:
        hits += [_stab_guess(battle, kind, attacker, defender) for kind in _types(attacker)]
    return max(hits, default=0.0)


def matchup(battle: AbstractBattle, mon: Pokemon, opponent: Pokemon) -> float:
    """How well `mon` hits `opponent` minus how well `opponent` hits `mon`, on types.

    Types, not damage, so a switch-in is judged on what is known rather than on stat
    guesses. `mon`'s side counts its attacks (its types when it has none); the
    opponent's its types and whatever attacks it has revealed.
    """
    offence = [_effectiveness(battle, m, opponent) for m in _attacks(mon)] or [
        _type_effect(battle, kind, opponent) for kind in _types(mon)
    ]
    kinds = set(_types(opponent)) | {m.type for m in _attacks(opponent)}
    defence = [_type_effect(battle, kind, mon) for kind in kinds]
    return max(offence, default=1.0) - max(defence, default=1.0)


def speed(mon: Pokemon) -> float:
    """Effective Speed: the stat with boosts, and paralysis (a quarter in Gen 1–2, half
    later)."""
    value = stats_of(mon)["spe"] * _boost(mon.boosts.get("spe", 0))
    if mon.status == Status.PAR:
        value *= 0.25 if mon.gen <= 2 else 0.5
    return value


def outspeeds(mon: Pokemon, other: Pokemon) -> bool:
    """Whether `mon` surely moves first; a speed tie is a coin flip, so it does not."""
    return speed(mon) > speed(other)


def stats_of(mon: Pokemon) -> dict[str, int]:
    """Stats the battle revealed, else estimates: DVs 15 and full stat experience in
    Gen 1–2, IVs 31 and 85 EVs (what random battles give) from Gen 3 on."""
    known = mon.stats or {}
    spread = 93 if mon.gen <= 2 else 52  # 2 x DV 15 + 63, or IV 31 + 85 EVs / 4
    estimated = {}
    for name, base in mon.base_stats.items():
        core = (2 * base + spread) * mon.level // 100
        estimated[name] = known.get(name) or (core + mon.level + 10 if name == "hp" else core + 5)
    return estimated


def _calculated(
    battle: AbstractBattle, move: Move, attacker: Pokemon, defender: Pokemon
) -> float | None:
    """Mean damage of one hit from poke-env's Gen 1–2 calculator, crits included; None
    where it cannot tell (a Pokémon the battle does not list, a state it trips on)."""
    attacker_id, defender_id = _identifier(battle, attacker), _identifier(battle, defender)
    if attacker_id is None or defender_id is None:
        return None
    crit = _crit_chance(battle.gen, move, attacker)
    try:
        with _lent_to_calculator(move, attacker, defender):
            normal = _mean_roll(calculate_damage_gen12(attacker_id, defender_id, move, battle))
            critical = _mean_roll(
                calculate_damage_gen12(attacker_id, defender_id, move, battle, is_critical=True)
            )
    except CALCULATOR_ERRORS:
        return None
    return ((1 - crit) * normal + crit * critical) / stats_of(defender)["hp"]


def damage_range(
    battle: AbstractBattle, move: Move, attacker: Pokemon, defender: Pokemon
) -> tuple[float, float] | None:
    """The lowest and highest roll of one non-critical hit of a single-hit move, as
    fractions of the defender's max HP, from poke-env's port of Showdown's Gen 1–2
    calculator: a knock-out is sure when the lowest roll reaches the HP left. None where
    that calculator does not apply (later generations, multi-hit or fixed-damage moves, a
    state it cannot handle)."""
    attacker_id, defender_id = _identifier(battle, attacker), _identifier(battle, defender)
    if battle.gen > 2 or move.damage or move.n_hit != (1, 1) or None in (attacker_id, defender_id):
        return None
    if move.category == MoveCategory.STATUS or _immune(battle, move, defender):
        return 0.0, 0.0
    try:
        with _lent_to_calculator(move, attacker, defender):
            low, high, _ = calculate_damage_gen12(attacker_id, defender_id, move, battle)
    except CALCULATOR_ERRORS:
        return None
    hp = stats_of(defender)["hp"]
    return low / hp, high / hp


@contextmanager
def _lent_to_calculator(move: Move, attacker: Pokemon, defender: Pokemon) -> Iterator[None]:
    """Give the calculator complete stats and a usable power, then undo it: it asserts
    every stat is known, and it overwrites the power of Flail, Reversal and Present."""
    saved = attacker.stats, defender.stats, move._base_power_override
    attacker.stats, defender.stats = stats_of(attacker), stats_of(defender)
    if not move.base_power and move.id in NOMINAL_POWER:
        move._base_power_override = NOMINAL_POWER[move.id]
    try:
        yield
    finally:
        attacker.stats, defender.stats, move._base_power_override = saved


def _mean_roll(result: tuple) -> float:
    """The calculator gives a list of rolls, or for multi-hit moves one list per hit."""
    rolls = result[2]
    if rolls and isinstance(rolls[0], list):
        rolls = rolls[0]
    return sum(rolls) / len(rolls)


def _expected_hits(battle: AbstractBattle, move: Move, attacker: Pokemon) -> float:
    """poke-env averages 2–5 hits to 3.17; the games weight them 3/8, 3/8, 1/8, 1/8 (3.0)
    until Gen 5 and 35, 35, 15, 15 % (3.1) since; Skill Link always lands five."""
    if move.n_hit != (2, 5):
        return move.expected_hits
    if attacker.ability == "skilllink":
        return 5.0
    return 3.0 if battle.gen <= 4 else 3.1


def _crit_chance(gen: int, move: Move, attacker: Pokemon) -> float:
    """Showdown's crit odds: Gen 1's follow base Speed, Gen 2's a fixed table."""
    if gen == 2:
        return GEN2_CRIT_IN_256[min(move.crit_ratio, 5)] / 256
    chance = min(max(attacker.base_stats["spe"] // 2 * 2, 1), 255)
    chance = min(chance * 4, 255) if move.crit_ratio == 2 else chance // 2
    return chance / 256


def _formula(battle: AbstractBattle, move: Move, attacker: Pokemon, defender: Pokemon) -> float:
    power = move.base_power or NOMINAL_POWER.get(move.id, 0)
    if not power:  # the formula's "+ 2" would credit powerless pseudo-moves (`recharge`)
        return 0.0
    offence = "atk" if move.category == MoveCategory.PHYSICAL else "spa"
    defence = "def" if move.defensive_category == MoveCategory.PHYSICAL else "spd"
    return _main_formula(battle, attacker, defender, power, move.type, (offence, defence))


def _stab_guess(
    battle: AbstractBattle, kind: PokemonType, attacker: Pokemon, defender: Pokemon
) -> float:
    if battle.gen <= 3:
        physical = kind in PHYSICAL_TYPES_BEFORE_SPLIT
    else:
        stats = stats_of(attacker)
        physical = stats["atk"] >= stats["spa"]
    sides = ("atk", "def") if physical else ("spa", "spd")
    return _main_formula(battle, attacker, defender, STAB_GUESS_POWER, kind, sides)


def _main_formula(
    battle: AbstractBattle,
    attacker: Pokemon,
    defender: Pokemon,
    power: int,
    kind: PokemonType,
    sides: tuple[str, str],
) -> float:
    """Mean damage of one hit by the main-series formula, as a fraction of max HP."""
    offence, defence = sides
    defender_stats = stats_of(defender)
    attack = stats_of(attacker)[offence] * _boost(attacker.boosts.get(offence, 0))
    guard = defender_stats[defence] * _boost(defender.boosts.get(defence, 0))
    base = (2 * attacker.level / 5 + 2) * power * attack / max(guard, 1) / 50 + 2
    stab = attacker.stab_multiplier if kind in attacker.types else 1.0
    burn = 0.5 if offence == "atk" and attacker.status == Status.BRN else 1.0
    effect = _type_effect(battle, kind, defender)
    return base * stab * burn * effect * MEAN_ROLL / defender_stats["hp"]


def _immune(battle: AbstractBattle, move: Move, defender: Pokemon) -> bool:
    ignored = move.ignore_immunity
    if ignored is True or (isinstance(ignored, set) and move.type in ignored):
        return False
    return _type_effect(battle, move.type, defender) == 0


def _effectiveness(battle: AbstractBattle, move: Move, defender: Pokemon) -> float:
    """Type effectiveness as it bears on damage: fixed-damage moves ignore it."""
    if _immune(battle, move, defender):
        return 0.0
    if move.damage or move.id in HALF_HP_MOVES:
        return 1.0
    return _type_effect(battle, move.type, defender)


def _type_effect(battle: AbstractBattle, kind: PokemonType, defender: Pokemon) -> float:
    if battle.gen >= 3 and _ability_immunity(defender) == kind:
        return 0.0
    return defender.damage_multiplier(kind)


def _ability_immunity(mon: Pokemon) -> PokemonType | None:
    """The type `mon`'s ability absorbs, when every ability it may have absorbs it."""
    abilities = [mon.ability] if mon.ability else mon.possible_abilities
    immunities = {ABILITY_IMMUNITY.get(ability) for ability in abilities}
    return immunities.pop() if len(immunities) == 1 else None


def _attacks(mon: Pokemon) -> list[Move]:
    return [m for m in mon.moves.values() if m.category != MoveCategory.STATUS]


def _types(mon: Pokemon) -> list[PokemonType]:
    return [kind for kind in mon.types if kind is not None]


def _boost(stage: int) -> float:
    return (2 + stage) / 2 if stage >= 0 else 2 / (2 - stage)


def _is_ours(battle: AbstractBattle, mon: Pokemon) -> bool:
    return any(member is mon for member in battle.team.values())


def _identifier(battle: AbstractBattle, mon: Pokemon) -> str | None:
    """The key the battle files `mon` under, which the calculator looks it up by."""
    for team in (battle.team, battle.opponent_team):
        for key, member in team.items():
            if member is mon:
                return key
    return None
