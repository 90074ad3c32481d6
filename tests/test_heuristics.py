"""The heuristic bots' rules on hand-built Gen 1 positions (no server needed)."""

import json
import logging

import pytest
from poke_env.battle import Battle, Move, Pokemon

from models.damage import expected_damage, stats_of
from models.grunt import GruntPlayer
from models.gym_leader import GymLeaderPlayer

MOVES = {
    "Tauros": ["bodyslam", "hyperbeam", "blizzard", "earthquake"],
    "Chansey": ["icebeam", "thunderbolt", "thunderwave", "softboiled"],
    "Slowbro": ["amnesia", "surf", "rest", "thunderwave"],
    "Alakazam": ["psychic", "seismictoss", "thunderwave", "recover"],
    "Rhydon": ["earthquake", "rockslide", "bodyslam", "substitute"],
    "Jolteon": ["thunderbolt", "doublekick", "pinmissile", "thunderwave"],
}


def _mon(species: str, active: bool, hp_fraction: float = 1.0) -> dict:
    stats = stats_of(Pokemon(gen=1, species=species.lower()))
    hp = max(1, round(stats["hp"] * hp_fraction))
    return {
        "ident": f"p1: {species}",
        "details": species,
        "condition": f"{hp}/{stats['hp']}",
        "active": active,
        "moves": MOVES[species],
        "baseAbility": "noability",
        "item": "",
        "pokeball": "pokeball",
        "stats": {k: v for k, v in stats.items() if k != "hp"},
    }


def position(
    mine: list[str],
    foe: str,
    my_hp: float = 1.0,
    foe_hp: int = 100,
    foe_moves: tuple[str, ...] = (),
    turn: int = 1,
) -> Battle:
    """A Gen 1 battle on turn `turn`: our team (first active) against one opponent."""
    battle = Battle("battle-gen1ou-1", "arena", logging.getLogger("test"), gen=1)
    battle.player_role = "p1"
    battle.parse_message(["", "player", "p1", "arena", ""])
    battle.parse_message(["", "player", "p2", "rival", ""])
    team = [_mon(s, i == 0, my_hp if i == 0 else 1.0) for i, s in enumerate(mine)]
    active_moves = [
        {"move": m, "id": m, "pp": 16, "maxpp": 16, "target": "normal", "disabled": False}
        for m in MOVES[mine[0]]
    ]
    request = {
        "active": [{"moves": active_moves}],
        "side": {"name": "arena", "id": "p1", "pokemon": team},
        "rqid": 1,
    }
    battle.parse_message(["", "switch", f"p1a: {mine[0]}", mine[0], team[0]["condition"]])
    battle.parse_message(["", "switch", f"p2a: {foe}", foe, f"{foe_hp}/100"])
    for move in foe_moves:
        battle.parse_message(["", "move", f"p2a: {foe}", move, f"p1a: {mine[0]}"])
    battle.parse_request(json.loads(json.dumps(request)))
    battle.end_turn(turn)
    return battle


def _choice(player_class, battle) -> str:
    player = player_class(start_listening=False, battle_format="gen1ou")
    return player.choose_move(battle).message


def test_seismic_toss_is_level_damage_and_status_moves_do_none():
    battle = position(["Alakazam", "Chansey"], "Snorlax")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    toss = expected_damage(battle, Move("seismictoss", gen=1), me, foe)
    assert toss == pytest.approx(100 / stats_of(foe)["hp"])
    assert expected_damage(battle, Move("thunderwave", gen=1), me, foe) == 0


def test_grunt_picks_the_move_that_hurts_most():
    immune_to_normal = position(["Tauros", "Chansey"], "Gengar")
    assert _choice(GruntPlayer, immune_to_normal) == "/choose move earthquake"
    weak_to_electric = position(["Jolteon", "Chansey"], "Gyarados")
    assert _choice(GruntPlayer, weak_to_electric) == "/choose move thunderbolt"


def test_grunt_forced_switch_takes_the_best_matchup():
    battle = position(["Tauros", "Rhydon", "Jolteon"], "Starmie")
    battle._available_moves = []
    battle._force_switch = True
    assert _choice(GruntPlayer, battle).lower() == "/choose switch jolteon"


def test_gym_leader_takes_a_knock_out():
    battle = position(["Alakazam", "Chansey"], "Jolteon", foe_hp=20)
    assert _choice(GymLeaderPlayer, battle) in {"/choose move psychic", "/choose move seismictoss"}


def test_gym_leader_recovers_when_low():
    battle = position(["Chansey", "Tauros"], "Snorlax", my_hp=0.25, turn=5)
    assert _choice(GymLeaderPlayer, battle) == "/choose move softboiled"


def test_gym_leader_boosts_on_its_first_turn_out_only():
    fresh = position(["Slowbro", "Chansey"], "Snorlax")
    assert _choice(GymLeaderPlayer, fresh) == "/choose move amnesia"
    settled = position(["Slowbro", "Chansey"], "Snorlax")
    settled.active_pokemon._active_turns = 3
    assert _choice(GymLeaderPlayer, settled) != "/choose move amnesia"


def test_gym_leader_escapes_a_faster_knock_out():
    battle = position(
        ["Rhydon", "Chansey", "Jolteon"], "Starmie", my_hp=0.3, foe_moves=("Surf",), turn=4
    )
    battle.active_pokemon._active_turns = 3
    assert _choice(GymLeaderPlayer, battle).startswith("/choose switch ")


def test_gym_leader_stays_in_when_not_in_danger():
    battle = position(["Chansey", "Rhydon"], "Starmie", foe_moves=("Surf",), turn=4)
    battle.active_pokemon._active_turns = 3
    assert _choice(GymLeaderPlayer, battle).startswith("/choose move ")
