"""Damage and speed estimates shared by the heuristic bots.

Gen 1 and 2 use poke-env's Showdown-accurate calculator (mean of the damage rolls);
other generations, and states the calculator cannot handle, a base-power x STAB x
type-effectiveness estimate from stats. Damage is a fraction of the defender's max HP,
so it compares directly with `current_hp_fraction` to spot knock-outs. Opponents' stats
are unknown to a player, so they are estimated from base stats with maximal investment,
as competitive sets have.
"""

from poke_env.battle import AbstractBattle, Move, MoveCategory, Pokemon, PokemonType, Status
from poke_env.calc.damage_calc_gen1_2 import calculate_damage_gen12

FIXED_DAMAGE = {"dragonrage": 40, "sonicboom": 20}
LEVEL_DAMAGE = {"seismictoss", "nightshade"}
BOOST_MULTIPLIER = {k: (2 + k) / 2 if k >= 0 else 2 / (2 - k) for k in range(-6, 7)}
STAB_PLACEHOLDER_POWER = 80  # an unrevealed attack is assumed to be a STAB move of this power


def _stat(base: int, level: int, is_hp: bool) -> int:
    """A stat with maximal DVs/IVs and EVs (Gen 1–2 formula, close enough later)."""
    core = ((base + 15) * 2 + 63) * level // 100
    return core + level + 10 if is_hp else core + 5


def stats_of(mon: Pokemon) -> dict[str, int]:
    """Known stats where the battle gave them, estimated ones where it did not."""
    known = mon.stats or {}
    return {
        name: known.get(name) or _stat(base, mon.level, name == "hp")
        for name, base in mon.base_stats.items()
    }


def _ensure_stats(mon: Pokemon) -> None:
    if not mon.stats or any(v is None for v in mon.stats.values()):
        mon.stats = stats_of(mon)


def _identifier(battle: AbstractBattle, mon: Pokemon) -> str:
    mine = any(m is mon for m in battle.team.values())
    return mon.identifier(battle.player_role if mine else battle.opponent_role)


def _calculator_damage(battle, move, attacker, defender) -> float:
    _ensure_stats(attacker)
    _ensure_stats(defender)
    _, _, rolls = calculate_damage_gen12(
        _identifier(battle, attacker), _identifier(battle, defender), move, battle
    )
    return sum(rolls) / len(rolls) / stats_of(defender)["hp"]


def _formula(attacker: Pokemon, defender: Pokemon, power: int, kind, physical: bool) -> float:
    stats_a, stats_d = stats_of(attacker), stats_of(defender)
    offence, defence = ("atk", "def") if physical else ("spa", "spd")
    attack = stats_a[offence] * BOOST_MULTIPLIER[attacker.boosts.get(offence, 0)]
    guard = stats_d[defence] * BOOST_MULTIPLIER[defender.boosts.get(defence, 0)]
    base = ((2 * attacker.level / 5 + 2) * power * attack / max(guard, 1)) / 50 + 2
    stab = 1.5 if kind in attacker.types else 1.0
    burn = 0.5 if physical and attacker.status == Status.BRN else 1.0
    return base * stab * burn * defender.damage_multiplier(kind) * 0.925 / stats_d["hp"]


def _estimated_damage(battle, move, attacker, defender) -> float:
    physical = move.category == MoveCategory.PHYSICAL
    return _formula(attacker, defender, move.base_power, move.type, physical)


def expected_damage(
    battle: AbstractBattle, move: Move, attacker: Pokemon, defender: Pokemon
) -> float:
    """Expected damage of one use of `move`, as a fraction of the defender's max HP."""
    if move.category == MoveCategory.STATUS:
        return 0.0
    if defender.damage_multiplier(move) == 0:
        return 0.0
    if move.id in LEVEL_DAMAGE:
        raw = attacker.level / stats_of(defender)["hp"]
    elif move.id in FIXED_DAMAGE:
        raw = FIXED_DAMAGE[move.id] / stats_of(defender)["hp"]
    elif move.id == "superfang":
        raw = defender.current_hp_fraction / 2
    elif battle.gen <= 2:
        try:
            raw = _calculator_damage(battle, move, attacker, defender)
        except (AssertionError, KeyError, ValueError, TypeError, AttributeError, ZeroDivisionError):
            raw = _estimated_damage(battle, move, attacker, defender)
    else:
        raw = _estimated_damage(battle, move, attacker, defender)
    return raw * move.expected_hits * move.accuracy


def threat(battle: AbstractBattle, attacker: Pokemon, defender: Pokemon) -> float:
    """The most damage `attacker` is expected to deal `defender` next turn.

    Revealed moves count as they are; with none revealed, each of the attacker's types
    stands for a STAB attack of ordinary power.
    """
    moves = list(attacker.moves.values())
    if moves:
        return max(expected_damage(battle, m, attacker, defender) for m in moves)
    return max((_stab_guess(battle, t, attacker, defender) for t in attacker.types), default=0.0)


def _stab_guess(battle, kind: PokemonType, attacker, defender) -> float:
    if battle.gen <= 3:  # the type decided the category until Gen 4
        physical = kind.name in PHYSICAL_TYPES_GEN_1_3
    else:
        stats = stats_of(attacker)
        physical = stats["atk"] >= stats["spa"]
    return _formula(attacker, defender, STAB_PLACEHOLDER_POWER, kind, physical)


PHYSICAL_TYPES_GEN_1_3 = {
    "NORMAL",
    "FIGHTING",
    "FLYING",
    "POISON",
    "GROUND",
    "ROCK",
    "BUG",
    "GHOST",
    "STEEL",
}


def speed(mon: Pokemon, gen: int) -> float:
    value = stats_of(mon)["spe"] * BOOST_MULTIPLIER[mon.boosts.get("spe", 0)]
    if mon.status == Status.PAR:
        value *= 0.25 if gen <= 2 else 0.5
    return value


def matchup(battle: AbstractBattle, mon: Pokemon, opponent: Pokemon) -> float:
    """How well `mon` fares against `opponent` on types: its best hit minus theirs."""
    attacks = [m for m in mon.moves.values() if m.category != MoveCategory.STATUS]
    offence = max(
        [opponent.damage_multiplier(m) for m in attacks]
        or [opponent.damage_multiplier(t) for t in mon.types],
        default=1.0,
    )
    defence = max((mon.damage_multiplier(t) for t in opponent.types), default=1.0)
    return offence - defence
