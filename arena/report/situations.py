"""Situations of a battle, as predicates on the state a side decided from, and the choices
that count as a given behaviour in each.

A behaviour profile asks "in positions like this, how often does the agent do that?". The
positions are defined here on poke-env's `Battle` at the moment of the request (the state
a live agent's `choose_move` saw, or the same state replayed from a stored log), never on
a model's own features, so every kind of agent is measured by the same yardstick. Damage,
speed and matchup come from the estimates the heuristic bots use
(`arena.models.heuristics.damage`): a player's view, with the opponent's stats guessed
from its species.

Each situation answers, for one decision, either None (it does not apply) or the set of
choices that count as the behaviour; a choice is `("move", move id)` or
`("switch", species)`. Forced switches are outside every situation but none: nothing but
a switch could be chosen there.
"""

from collections.abc import Callable
from dataclasses import dataclass

from poke_env.battle import Battle, Move, MoveCategory, Pokemon, Status

from arena.models.heuristics.damage import hit_damage, matchup, outspeeds, threat

Key = tuple[str, str]  # ("move", "rest") or ("switch", "chansey")
Keys = frozenset[Key]

# "Clearly losing": fewer Pokémon standing than the opponent AND at most this share of its
# summed HP left (an opponent Pokémon not yet seen counts as standing at full HP).
LOSING_HP_SHARE = 0.5
EXPLOSIONS = {"explosion", "selfdestruct"}
DELAYED_HEALS = {"rest", "moonlight", "morningsun", "synthesis", "shoreup", "wish"}
BAD_MATCHUP = -1.0  # `matchup` at or below this: it hits us super effectively, we do not


def move_key(move: Move) -> Key:
    return ("move", move.id)


def switch_key(mon: Pokemon) -> Key:
    return ("switch", mon.species)


# -- the position ----------------------------------------------------------------------


def standing(battle: Battle) -> tuple[tuple[int, float], tuple[int, float]]:
    """(Pokémon standing, summed HP fractions) for us and for the opponent; the opponent's
    unseen Pokémon (from its announced team size) count as standing at full HP."""
    ours = [mon for mon in battle.team.values() if not mon.fainted]
    seen = list(battle.opponent_team.values())
    theirs = [mon for mon in seen if not mon.fainted]
    # the `|teamsize|` announcement, which poke-env keeps privately (poke-env 0.16.1)
    announced = battle._team_size.get(_opponent_role(battle), len(seen))
    unseen = max(0, announced - len(seen))
    return (
        (len(ours), sum(mon.current_hp_fraction for mon in ours)),
        (len(theirs) + unseen, sum(mon.current_hp_fraction for mon in theirs) + unseen),
    )


def clearly_losing(battle: Battle) -> bool:
    """Fewer Pokémon standing than the opponent and at most half its summed HP: a position
    where playing safe only delays the loss."""
    (ours, our_hp), (theirs, their_hp) = standing(battle)
    return ours < theirs and our_hp <= LOSING_HP_SHARE * their_hp


def _opponent_role(battle: Battle) -> str:
    return "p2" if battle.player_role == "p1" else "p1"


def _free(battle: Battle) -> bool:
    """A decision where a move could be chosen (not a forced switch, not a wait)."""
    return (
        not battle.force_switch
        and bool(battle.available_moves)
        and battle.active_pokemon is not None
    )


def _moves(battle: Battle, keep: Callable[[Move], bool]) -> Keys | None:
    """The available moves `keep` picks out, or None when there are none (or no choice)."""
    if not _free(battle):
        return None
    picked = frozenset(move_key(m) for m in battle.available_moves if keep(m))
    return picked or None


def _stay_keys(battle: Battle) -> Keys:
    return frozenset(move_key(m) for m in battle.available_moves)


def _switch_keys(battle: Battle) -> Keys:
    return frozenset(switch_key(m) for m in battle.available_switches)


# -- the situations ------------------------------------------------------------------


def is_recovery(move: Move) -> bool:
    """A self-heal: a move whose data heals its user (Recover, Soft-Boiled), or Rest and
    the heals whose data carries no plain fraction. Read as the key's presence, not
    `move.heal`, which raises from Gen 2 on where the data says `heal: null`."""
    own = move.entry.get("target") == "self"
    return move.id in DELAYED_HEALS or (own and "heal" in move.entry)


def _recovery(battle: Battle, losing: bool) -> Keys | None:
    """Recovery (Recover, Soft-Boiled, Rest…) available, the active Pokémon hurt."""
    if not _free(battle) or battle.active_pokemon.current_hp_fraction >= 1:
        return None
    if clearly_losing(battle) != losing:
        return None
    return _moves(battle, is_recovery)


def recovery_when_losing(battle: Battle) -> Keys | None:
    return _recovery(battle, losing=True)


def recovery_when_not_losing(battle: Battle) -> Keys | None:
    return _recovery(battle, losing=False)


def switch_when_threatened(battle: Battle) -> Keys | None:
    """The opponent surely moves first and its hardest expected hit knocks our active
    Pokémon out, and a switch is possible: the switches count."""
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    if not _free(battle) or foe is None or not battle.available_switches:
        return None
    if not outspeeds(foe, me) or threat(battle, foe, me) < me.current_hp_fraction:
        return None
    return _switch_keys(battle)


def knocks_out(battle: Battle, move: Move) -> bool:
    """`move` lands first (we surely outspeed, or it has priority) and its mean hit
    takes the opponent's remaining HP."""
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    if foe is None or foe.fainted:
        return False
    # `recharge` and such pseudo-moves have no priority entry
    first = move.entry.get("priority", 0) > 0 or outspeeds(me, foe)
    return first and hit_damage(battle, move, me, foe) >= foe.current_hp_fraction


def take_knock_out(battle: Battle) -> Keys | None:
    """A move that knocks the opponent out before it acts is available: those count."""
    return _moves(battle, lambda move: knocks_out(battle, move))


def inflicts_status(move: Move) -> bool:
    return move.category == MoveCategory.STATUS and move.status is not None


def status_on_healthy_foe(battle: Battle) -> Keys | None:
    """A status move (sleep, paralysis, poison, burn) available and the opponent's active
    Pokémon without a status: the status moves count."""
    foe = battle.opponent_active_pokemon
    if foe is None or foe.status is not None:
        return None
    return _moves(battle, inflicts_status)


def status_on_statused_foe(battle: Battle) -> Keys | None:
    """The same moves while the opponent already has a status, where they cannot work."""
    foe = battle.opponent_active_pokemon
    if foe is None or foe.status in (None, Status.FNT):
        return None
    return _moves(battle, inflicts_status)


def is_set_up(move: Move) -> bool:
    """A move that raises the user's own stats (Swords Dance, Amnesia, Agility…)."""
    own = move.entry.get("target") == "self"
    boosts = move.entry.get("boosts") or {}
    return move.category == MoveCategory.STATUS and own and any(v > 0 for v in boosts.values())


def set_up(battle: Battle) -> Keys | None:
    return _moves(battle, is_set_up)


def stay_in_bad_matchup(battle: Battle) -> Keys | None:
    """Our active Pokémon's type matchup against the opponent's is bad (`BAD_MATCHUP`) and
    a switch is possible: staying in (any move) counts."""
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    if not _free(battle) or foe is None or not battle.available_switches:
        return None
    if matchup(battle, me, foe) > BAD_MATCHUP:
        return None
    return _stay_keys(battle)


def explode(battle: Battle) -> Keys | None:
    return _moves(battle, lambda move: move.id in EXPLOSIONS)


def explode_when_losing(battle: Battle) -> Keys | None:
    return explode(battle) if clearly_losing(battle) else None


@dataclass(frozen=True)
class Situation:
    """A named situation, the behaviour counted in it, and its predicate."""

    name: str
    behaviour: str
    judge: Callable[[Battle], Keys | None]


SITUATIONS = (
    Situation("recovery, clearly losing", "uses recovery or Rest", recovery_when_losing),
    Situation("recovery, not losing", "uses recovery or Rest", recovery_when_not_losing),
    Situation("outsped and in KO range", "switches out", switch_when_threatened),
    Situation("KO available", "takes it", take_knock_out),
    Situation("status move, foe healthy", "uses one", status_on_healthy_foe),
    Situation("status move, foe statused", "uses one (it fails)", status_on_statused_foe),
    Situation("set-up move available", "uses one", set_up),
    Situation("bad type matchup", "stays in", stay_in_bad_matchup),
    Situation("Explosion available", "explodes", explode),
    Situation("Explosion, clearly losing", "explodes", explode_when_losing),
)
