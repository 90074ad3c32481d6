"""The heuristic bots' estimates and rules on hand-built positions (no server needed).

Positions are built the way poke-env builds them in play: the battle log's switch and
move lines, then a Showdown request like the ones a random battle sends (Gen 1 unless a
test says otherwise).
"""

import logging

import pytest
from poke_env.battle import Battle, Move, Pokemon

from arena.models.heuristics.damage import expected_damage, hit_damage, matchup, outspeeds, stats_of
from arena.models.heuristics.grunt import GruntPlayer
from arena.models.heuristics.gym_leader import GymLeaderPlayer

MOVES = {
    "Tauros": ["bodyslam", "hyperbeam", "blizzard", "earthquake"],
    "Chansey": ["icebeam", "thunderbolt", "thunderwave", "softboiled"],
    "Slowbro": ["amnesia", "surf", "rest", "thunderwave"],
    "Alakazam": ["psychic", "seismictoss", "thunderwave", "recover"],
    "Rhydon": ["earthquake", "rockslide", "bodyslam", "substitute"],
    "Jolteon": ["thunderbolt", "doublekick", "pinmissile", "thunderwave"],
    "Persian": ["slash", "bubblebeam", "quickattack", "hyperbeam"],
    "Snorlax": ["bodyslam", "rest", "amnesia", "earthquake"],
    "Golem": ["explosion", "earthquake", "rockslide", "bodyslam"],
    "Garchomp": ["earthquake", "outrage", "stoneedge", "fireblast"],
    "Diancie": ["earthpower", "moonblast", "diamondstorm", "calmmind"],
}


def _request_mon(species: str, active: bool, hp_fraction: float, level: int, gen: int) -> dict:
    mon = Pokemon(gen=gen, species=species.lower())
    mon._level = level
    stats = stats_of(mon)
    return {
        "ident": f"p1: {species}",
        "details": species if level == 100 else f"{species}, L{level}",
        "condition": f"{max(1, round(stats['hp'] * hp_fraction))}/{stats['hp']}",
        "active": active,
        "stats": {name: value for name, value in stats.items() if name != "hp"},
        "moves": MOVES[species],
        "baseAbility": mon.possible_abilities[0] if gen >= 3 else "noability",
        "item": "",
        "pokeball": "pokeball",
    }


def position(
    mine: list[str],
    foe: str,
    *,
    my_hp: float = 1.0,
    foe_hp: int = 100,
    foe_moves: tuple[str, ...] = (),
    disabled: tuple[str, ...] = (),
    force_switch: bool = False,
    level: int = 100,
    gen: int = 1,
) -> Battle:
    """Turn 1 of a battle: our team, its first member out, against one opponent."""
    battle = Battle(f"battle-gen{gen}randombattle-1", "arena", logging.getLogger("test"), gen=gen)
    battle.parse_message(["", "player", "p1", "arena", ""])
    battle.parse_message(["", "player", "p2", "rival", ""])
    team = [
        _request_mon(s, i == 0, my_hp if i == 0 else 1.0, level, gen) for i, s in enumerate(mine)
    ]
    battle.parse_message(
        ["", "switch", f"p1a: {mine[0]}", team[0]["details"], team[0]["condition"]]
    )
    battle.parse_message(["", "switch", f"p2a: {foe}", foe, f"{foe_hp}/100"])
    for move in foe_moves:
        battle.parse_message(["", "move", f"p2a: {foe}", move, f"p1a: {mine[0]}"])
    request: dict = {"side": {"name": "arena", "id": "p1", "pokemon": team}, "rqid": 1}
    if force_switch:
        team[0]["condition"] = "0 fnt"
        request["forceSwitch"] = [True]
    else:
        moves = [_request_move(m, m in disabled, gen) for m in MOVES[mine[0]]]
        request["active"] = [{"moves": moves}]
    battle.parse_request(request)
    battle.end_turn(1)
    return battle


def _request_move(move_id: str, disabled: bool, gen: int) -> dict:
    move = Move(move_id, gen=gen)
    return {
        "move": move.entry["name"],
        "id": move_id,
        "pp": move.max_pp,
        "maxpp": move.max_pp,
        "target": move.entry["target"],
        "disabled": disabled,
    }


def next_turn(battle: Battle, turn: int) -> None:
    """The same position a turn later: poke-env's turn counter and a fresh request."""
    battle.end_turn(turn)
    battle.parse_request(battle.last_request)


def choice(player, battle: Battle) -> str:
    return player.choose_move(battle).message


@pytest.fixture
def grunt():
    return GruntPlayer(start_listening=False, battle_format="gen1ou")


@pytest.fixture
def leader():
    return GymLeaderPlayer(start_listening=False, battle_format="gen1ou")


# -- the damage estimate ------------------------------------------------------------


def test_seismic_toss_deals_the_users_level_in_hp():
    battle = position(["Alakazam", "Chansey"], "Snorlax")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    toss = Move("seismictoss", gen=1)
    assert expected_damage(battle, toss, me, foe) == pytest.approx(100 / stats_of(foe)["hp"])
    chansey = battle.team["p1: Chansey"]
    assert expected_damage(battle, toss, foe, chansey) == pytest.approx(100 / chansey.max_hp)


def test_fixed_damage_ignores_type_and_level_but_not_immunity_in_gen1():
    battle = position(["Alakazam", "Chansey"], "Gengar", level=60)
    me, gengar = battle.active_pokemon, battle.opponent_active_pokemon
    hp = stats_of(gengar)["hp"]
    # Gen 1's Seismic Toss hits Ghosts; Normal-type Super Fang does too in Gen 1.
    assert hit_damage(battle, Move("seismictoss", gen=1), me, gengar) == pytest.approx(60 / hp)
    assert hit_damage(battle, Move("dragonrage", gen=1), me, gengar) == pytest.approx(40 / hp)
    assert hit_damage(battle, Move("superfang", gen=1), me, gengar) == pytest.approx(0.5)
    assert hit_damage(battle, Move("bodyslam", gen=1), me, gengar) == 0


def test_status_moves_deal_nothing():
    battle = position(["Slowbro", "Chansey"], "Tauros")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    for status_move in ("amnesia", "thunderwave", "rest"):
        assert expected_damage(battle, Move(status_move, gen=1), me, foe) == 0


def test_multi_hit_moves_count_their_expected_hits():
    battle = position(["Tauros", "Chansey"], "Snorlax")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    # Normal, physical, 15 power each: Fury Attack lands 2-5 times, three on average.
    once = hit_damage(battle, Move("wrap", gen=1), me, foe)
    assert once > 0
    assert hit_damage(battle, Move("furyattack", gen=1), me, foe) == pytest.approx(3 * once)


@pytest.mark.parametrize("gen", [1, 9])
def test_powerless_pseudo_moves_deal_nothing(gen):
    battle = position(["Tauros", "Chansey"], "Snorlax", gen=gen)
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    assert expected_damage(battle, Move("recharge", gen=gen), me, foe) == 0


def test_later_generations_respect_immunity_abilities(grunt):
    battle = position(["Garchomp", "Chansey"], "Rotom", gen=9)
    me, rotom = battle.active_pokemon, battle.opponent_active_pokemon
    assert rotom.ability == "levitate"
    assert expected_damage(battle, Move("earthquake", gen=9), me, rotom) == 0
    assert expected_damage(battle, Move("outrage", gen=9), me, rotom) > 0
    assert choice(grunt, battle) != "/choose move earthquake"


def test_stronger_and_super_effective_moves_estimate_higher():
    battle = position(["Tauros", "Chansey"], "Exeggutor")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    damage = {m: hit_damage(battle, Move(m, gen=1), me, foe) for m in MOVES["Tauros"]}
    assert damage["hyperbeam"] > damage["bodyslam"] > damage["earthquake"] > 0
    assert damage["blizzard"] > damage["earthquake"]  # Ice is super effective on Grass


def test_the_estimate_leaves_the_battle_as_it_was():
    battle = position(["Tauros", "Chansey"], "Snorlax")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    expected_damage(battle, Move("bodyslam", gen=1), me, foe)
    assert all(value is None for value in foe.stats.values())
    assert set(battle.opponent_team) == {"p2: Snorlax"}


def test_paralysis_quarters_speed_in_gen1():
    battle = position(["Snorlax", "Chansey"], "Tauros")
    me, foe = battle.active_pokemon, battle.opponent_active_pokemon
    assert outspeeds(foe, me)
    foe.status = "par"
    assert outspeeds(me, foe)


def test_matchup_favours_hitting_hard_and_resisting():
    battle = position(["Jolteon", "Rhydon"], "Starmie")
    starmie = battle.opponent_active_pokemon
    assert matchup(battle, battle.team["p1: Jolteon"], starmie) > 0
    assert matchup(battle, battle.team["p1: Rhydon"], starmie) < 0


# -- Grunt --------------------------------------------------------------------------


def test_grunt_picks_the_move_that_hurts_most(grunt):
    assert choice(grunt, position(["Tauros", "Chansey"], "Gengar")) == "/choose move earthquake"
    assert choice(grunt, position(["Jolteon", "Chansey"], "Gyarados")) == "/choose move thunderbolt"


def test_grunt_counts_hyper_beams_recharge_unless_it_knocks_out(grunt):
    assert choice(grunt, position(["Tauros", "Chansey"], "Chansey")) == "/choose move bodyslam"
    low = position(["Tauros", "Chansey"], "Chansey", foe_hp=45)
    assert choice(grunt, low) == "/choose move hyperbeam"


def test_grunt_never_picks_a_disabled_move(grunt):
    battle = position(["Jolteon", "Chansey"], "Gyarados", disabled=("thunderbolt",))
    assert "thunderbolt" not in {m.id for m in battle.available_moves}
    assert choice(grunt, battle) == "/choose move doublekick"


def _struggling(battle: Battle) -> Battle:
    """The same position with the active Pokémon out of PP: Struggle is all it has."""
    request = battle.last_request
    struggle = {"move": "Struggle", "id": "struggle", "target": "randomNormal", "disabled": False}
    request["active"] = [{"moves": [struggle]}]
    battle.parse_request(request)
    return battle


def test_grunt_switches_when_no_move_can_hurt(grunt):
    # Gen 1's Struggle is Normal-type: it cannot touch a Ghost.
    battle = _struggling(position(["Tauros", "Jolteon"], "Gengar"))
    assert [m.id for m in battle.available_moves] == ["struggle"]
    assert choice(grunt, battle) == "/choose switch Jolteon"
    alone = _struggling(position(["Tauros"], "Gengar"))
    assert choice(grunt, alone) == "/choose move struggle"


def test_grunt_forced_switch_takes_the_best_matchup(grunt):
    battle = position(["Tauros", "Rhydon", "Jolteon"], "Starmie", force_switch=True)
    assert battle.available_moves == []
    assert choice(grunt, battle) == "/choose switch Jolteon"


@pytest.mark.parametrize("player_class", [GruntPlayer, GymLeaderPlayer])
@pytest.mark.parametrize("hp", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("foe", ["Gengar", "Starmie", "Tauros", "Chansey"])
def test_orders_come_from_the_request(player_class, hp, foe):
    player = player_class(start_listening=False, battle_format="gen1ou")
    for team in (["Tauros", "Rhydon", "Jolteon"], ["Slowbro", "Alakazam"], ["Chansey"]):
        battle = position(team, foe, my_hp=hp, foe_hp=int(hp * 100), foe_moves=("Body Slam",))
        order = player.choose_move(battle).order
        assert any(order is option for option in battle.available_moves) or any(
            order is option for option in battle.available_switches
        )


def test_a_request_with_nothing_to_choose_gets_the_default_order(grunt):
    battle = position(["Tauros"], "Starmie", force_switch=True)
    assert battle.available_switches == []
    assert choice(grunt, battle) == "/choose default"


# -- Gym Leader ---------------------------------------------------------------------


def test_gym_leader_takes_the_surest_knock_out(leader, grunt):
    battle = position(["Tauros", "Chansey"], "Chansey", foe_hp=30)
    assert choice(grunt, battle) == "/choose move hyperbeam"
    assert choice(leader, battle) == "/choose move bodyslam"  # 100 % accurate, not 90 %


def test_gym_leader_prefers_a_priority_knock_out(leader):
    battle = position(["Persian", "Chansey"], "Alakazam", foe_hp=5)
    assert choice(leader, battle) == "/choose move quickattack"


def test_gym_leader_recovers_when_low(leader):
    battle = position(["Chansey", "Tauros"], "Snorlax", my_hp=0.25)
    assert choice(leader, battle) == "/choose move softboiled"
    rested = position(["Slowbro", "Tauros"], "Snorlax", my_hp=0.25)
    assert choice(leader, rested) == "/choose move rest"


def test_gym_leader_boosts_on_its_first_turn_out_only(leader):
    battle = position(["Slowbro", "Chansey"], "Snorlax")
    assert choice(leader, battle) == "/choose move amnesia"
    assert choice(leader, battle) == "/choose move amnesia"  # asked again, same turn
    next_turn(battle, 2)
    assert choice(leader, battle) == "/choose move surf"


def test_gym_leader_reads_boosts_from_odd_move_data(leader):
    # Gen 6's Diamond Storm has `self: None`, on which poke-env's `self_boost` raises.
    battle = position(["Diancie", "Chansey"], "Snorlax", gen=6)
    assert choice(leader, battle) == "/choose move calmmind"


def test_gym_leader_does_not_boost_when_hurt(leader):
    battle = position(["Slowbro", "Chansey"], "Snorlax", my_hp=0.8)
    assert choice(leader, battle) == "/choose move surf"


def test_gym_leader_switches_out_of_a_faster_knock_out(leader):
    battle = position(["Rhydon", "Chansey", "Alakazam"], "Starmie", my_hp=0.3, foe_hp=25)
    battle.parse_message(["", "move", "p2a: Starmie", "Surf", "p1a: Rhydon"])
    # Chansey has the better type matchup, but only Alakazam outspeeds Starmie and
    # knocks it out (Seismic Toss).
    assert choice(leader, battle) == "/choose switch Alakazam"


def test_gym_leader_escapes_to_the_best_matchup_without_a_revenge_killer(leader):
    battle = position(["Rhydon", "Tauros", "Jolteon"], "Starmie", my_hp=0.3, foe_moves=("Surf",))
    assert choice(leader, battle) == "/choose switch Jolteon"
    stays = position(["Chansey", "Tauros", "Jolteon"], "Starmie", foe_moves=("Surf",))
    assert choice(leader, stays).startswith("/choose move ")  # slower, but Surf won't KO


def test_gym_leader_does_not_sacrifice_a_switch_in(leader):
    battle = position(["Rhydon", "Persian"], "Starmie", my_hp=0.3, foe_moves=("Surf",))
    assert choice(leader, battle).startswith("/choose move ")  # Persian would lose over half


def test_gym_leader_keeps_explosion_for_when_it_is_spent(leader, grunt):
    healthy = position(["Golem", "Chansey"], "Snorlax")
    assert choice(grunt, healthy) == "/choose move explosion"
    assert choice(leader, healthy) == "/choose move earthquake"
    spent = position(["Golem", "Chansey"], "Snorlax", my_hp=0.2)
    assert choice(leader, spent) == "/choose move explosion"


def test_gym_leader_reads_an_unrevealed_opponent_by_its_types(leader):
    battle = position(["Rhydon", "Tauros", "Jolteon"], "Starmie", my_hp=0.3)
    assert choice(leader, battle) == "/choose switch Jolteon"
    slower = position(["Rhydon", "Tauros", "Jolteon"], "Slowbro", my_hp=0.3)
    assert choice(leader, slower).startswith("/choose move ")  # no faster knock-out


def test_gym_leader_forgets_a_battle_when_it_ends(leader):
    battle = position(["Slowbro", "Chansey"], "Snorlax")
    choice(leader, battle)
    assert battle.battle_tag in leader._arrivals
    leader._battle_finished_callback(battle)
    assert leader._arrivals == {}


def test_a_switch_in_arrives_afresh(leader):
    battle = position(["Slowbro", "Chansey", "Jolteon"], "Gengar", force_switch=True)
    assert choice(leader, battle).startswith("/choose switch ")
    assert battle.battle_tag not in leader._arrivals
