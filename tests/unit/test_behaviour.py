"""Behaviour profiles: each situation's predicate on hand-built positions, the choices a
replayed log reveals or its records name, and the rates and differences a profile gives.

Positions are built as the heuristics' tests build them (`position`): our team with its
first member out against one opponent, Gen 1, turn 1.
"""

import math
from pathlib import Path

import pytest
from poke_env.battle import Move

from arena.game.choices import Choice
from arena.models.neural.actions import slots
from arena.models.neural.log_replay import decisions, new_battle, username
from arena.rating.stats import rate_difference, wilson
from arena.report import situations as s
from arena.report.behaviour import Decision, Profile, judge_log, rows
from tests.unit.test_heuristics import position

LOG = Path(__file__).parent.parent / "data" / "gen1ou-gym-leader-vs-max-power-p1.log"


def _teams_of_six(battle):
    """The opponent's announced team size, which poke-env reads from `|teamsize|`."""
    battle.parse_message(["", "teamsize", "p1", "6"])
    battle.parse_message(["", "teamsize", "p2", "6"])
    return battle


def _faint_bench(battle, keep: int = 0):
    """Our bench fainted but for `keep` of it."""
    for mon in [m for m in battle.team.values() if not m.active][keep:]:
        mon.faint()
    return battle


# -- the position --------------------------------------------------------------------


def test_clearly_losing_needs_fewer_pokemon_and_at_most_half_the_hp():
    # two of ours (30% + 100%) against six of theirs, five unseen: 1.3 of 6.0
    losing = _teams_of_six(position(["Snorlax", "Chansey"], "Tauros", my_hp=0.3))
    assert s.standing(losing) == ((2, pytest.approx(1.3, abs=0.01)), (6, 6.0))
    assert s.clearly_losing(losing)
    # unannounced team size: only the one opponent seen stands, and we have two
    assert not s.clearly_losing(position(["Snorlax", "Chansey"], "Tauros", my_hp=0.3))
    # fewer Pokémon but more than half their HP: 5 of ours at full against 6
    five = ["Snorlax", "Chansey", "Tauros", "Alakazam", "Jolteon"]
    assert not s.clearly_losing(_teams_of_six(position(five, "Tauros")))
    # half their HP but as many Pokémon: never "clearly"
    level = _teams_of_six(position(["Slowbro", *five], "Tauros", my_hp=0.01))
    for mon in level.team.values():
        mon.set_hp("1/100")
    assert not s.clearly_losing(level)


def test_fainted_opponents_stop_counting():
    battle = _teams_of_six(position(["Snorlax", "Chansey"], "Tauros", my_hp=0.3))
    battle.opponent_active_pokemon.faint()
    (_, _), (theirs, their_hp) = s.standing(battle)
    assert (theirs, their_hp) == (5, 5.0)


# -- the situations ------------------------------------------------------------------


def test_recovery_is_judged_losing_or_not_and_only_when_hurt():
    losing = _teams_of_six(position(["Snorlax", "Chansey"], "Tauros", my_hp=0.3))
    assert s.recovery_when_losing(losing) == {("move", "rest")}
    assert s.recovery_when_not_losing(losing) is None
    even = position(["Snorlax", "Chansey"], "Tauros", my_hp=0.3)
    assert s.recovery_when_not_losing(even) == {("move", "rest")}
    assert s.recovery_when_losing(even) is None
    full = position(["Snorlax", "Chansey"], "Tauros")
    assert s.recovery_when_not_losing(full) is None  # Rest fails at full HP
    assert s.recovery_when_not_losing(position(["Tauros", "Chansey"], "Snorlax", my_hp=0.3)) is None


def test_recovery_moves_are_heals_and_rest_not_drains():
    assert all(s.is_recovery(Move(m, gen=1)) for m in ("recover", "softboiled", "rest"))
    assert not any(s.is_recovery(Move(m, gen=1)) for m in ("megadrain", "bodyslam", "amnesia"))


def test_switching_counts_when_outsped_and_in_ko_range():
    # Jolteon (130) outspeeds Alakazam (120); its unrevealed Electric STAB takes 10%
    threatened = position(["Alakazam", "Chansey", "Snorlax"], "Jolteon", my_hp=0.1)
    assert s.switch_when_threatened(threatened) == {("switch", "chansey"), ("switch", "snorlax")}
    healthy = position(["Alakazam", "Chansey"], "Jolteon")
    assert s.switch_when_threatened(healthy) is None  # not in KO range
    slower = position(["Alakazam", "Chansey"], "Tauros", my_hp=0.1)
    assert s.switch_when_threatened(slower) is None  # Tauros (110) moves second
    alone = _faint_bench(position(["Alakazam", "Chansey"], "Jolteon", my_hp=0.1))
    alone.parse_request(alone.last_request | {"side": _no_bench(alone.last_request["side"])})
    assert s.switch_when_threatened(alone) is None  # nowhere to go


def _no_bench(side: dict) -> dict:
    mons = [dict(m) for m in side["pokemon"]]
    for mon in mons[1:]:
        mon["condition"] = "0 fnt"
    return side | {"pokemon": mons}


def test_a_knock_out_counts_only_moves_that_land_first_and_take_the_hp():
    # Jolteon outspeeds Alakazam at 5%: its attacks knock out, Thunder Wave does not
    fast = position(["Jolteon", "Chansey"], "Alakazam", foe_hp=5)
    assert s.take_knock_out(fast) == {
        ("move", "thunderbolt"),
        ("move", "doublekick"),
        ("move", "pinmissile"),
    }
    # Persian (115) is outsped by Alakazam: only Quick Attack's priority gets there first
    slow = position(["Persian", "Chansey"], "Alakazam", foe_hp=5)
    assert s.take_knock_out(slow) == {("move", "quickattack")}
    assert s.take_knock_out(position(["Jolteon", "Chansey"], "Alakazam")) is None


def test_status_moves_are_told_apart_by_the_foes_status():
    battle = position(["Jolteon", "Chansey"], "Snorlax")
    assert s.status_on_healthy_foe(battle) == {("move", "thunderwave")}
    assert s.status_on_statused_foe(battle) is None
    battle.parse_message(["", "-status", "p2a: Snorlax", "par"])
    assert s.status_on_healthy_foe(battle) is None
    assert s.status_on_statused_foe(battle) == {("move", "thunderwave")}
    assert s.status_on_healthy_foe(position(["Tauros", "Chansey"], "Snorlax")) is None


def test_set_up_moves_raise_the_users_own_stats():
    assert s.set_up(position(["Slowbro", "Chansey"], "Tauros")) == {("move", "amnesia")}
    assert s.set_up(position(["Tauros", "Chansey"], "Slowbro")) is None
    assert not s.is_set_up(Move("growl", gen=1))  # lowers the foe's
    assert not s.is_set_up(Move("substitute", gen=1))
    assert s.is_set_up(Move("swordsdance", gen=1))


def test_staying_in_counts_in_a_bad_type_matchup():
    # Golem (Rock/Ground) against a Starmie that showed Surf: 4x against 1x
    bad = position(["Golem", "Chansey"], "Starmie", foe_moves=("Surf",))
    assert s.stay_in_bad_matchup(bad) == {
        ("move", m) for m in ("explosion", "earthquake", "rockslide", "bodyslam")
    }
    assert s.stay_in_bad_matchup(position(["Golem", "Chansey"], "Jolteon")) is None


def test_explosion_is_counted_where_available_and_when_losing():
    battle = position(["Golem", "Chansey"], "Snorlax")
    assert s.explode(battle) == {("move", "explosion")}
    assert s.explode_when_losing(battle) is None
    assert s.explode_when_losing(_teams_of_six(position(["Golem"], "Snorlax", my_hp=0.2))) == {
        ("move", "explosion")
    }
    assert s.explode(position(["Tauros", "Chansey"], "Snorlax")) is None


def test_a_forced_switch_is_in_no_situation():
    forced = position(["Alakazam", "Chansey"], "Jolteon", my_hp=0.1, force_switch=True)
    assert all(situation.judge(forced) is None for situation in s.SITUATIONS)


# -- choices from a replayed log -------------------------------------------------------


def _first_actions(log: str) -> list:
    """What p1 showed after each of its requests, read by hand from the log."""
    shown, waiting = [], False
    for line in log.split("\n"):
        parts = line.split("|")
        if line.startswith("|request|") and '"wait"' not in line and '"teamPreview"' not in line:
            shown.append(None)
            waiting = True
        elif waiting and len(parts) > 3 and parts[2].startswith("p1a"):
            if parts[1] in ("move", "switch"):
                name = parts[3].split(",")[0].lower().replace(" ", "").replace("-", "")
                shown[-1] = (parts[1], name)
                waiting = False
            elif parts[1] in ("cant", "faint"):
                waiting = False
    return shown


def test_the_protocol_reveals_each_choice_without_records():
    log = LOG.read_text()
    judged = list(judge_log(log, "gen1ou", None))
    assert [d.chosen for d in judged] == _first_actions(log)
    assert any(d.chosen and d.chosen[0] == "switch" for d in judged)
    assert all(d.fallback is None for d in judged)


def test_records_name_the_same_choices_by_slot():
    """Records made from what the log shows (the slot of each revealed choice, read
    against the replayed state) give back those choices; an unrevealed one falls back."""
    log = LOG.read_text()
    lines = log.split("\n")
    revealed = [d.chosen for d in judge_log(log, "gen1ou", None)]
    battle = new_battle("battle", "gen1ou", username(lines))
    records = []
    for state, chosen in zip(decisions(battle, lines), revealed, strict=True):
        if chosen is None:
            continue  # no record: a decision the agent never got
        keys = [_key(t) for t in slots(state)]
        records.append(
            Choice(state.turn, state.last_request["rqid"], keys.index(chosen), "", 0, False, False)
        )
    judged = list(judge_log(log, "gen1ou", records))
    assert [d.chosen for d in judged] == revealed
    assert [d.fallback for d in judged] == [c is None for c in revealed]


def _key(target):
    if target is None:
        return None
    return s.move_key(target) if isinstance(target, Move) else s.switch_key(target)


# -- rates ---------------------------------------------------------------------------


def _profile(agent: str, did: int, of: int) -> Profile:
    profile = Profile(agent)
    for k in range(of):
        keys = frozenset({("move", "rest")})
        chosen = ("move", "rest") if k < did else ("move", "bodyslam")
        profile.add(Decision({"recovery, clearly losing": keys}, chosen, False))
    profile.add(Decision({"recovery, clearly losing": keys}, None, True))  # unknown
    return profile


def test_a_profile_counts_situations_met_and_behaviour_taken():
    profile = _profile("epoch-2", 9, 12)
    row = profile.rate("recovery, clearly losing")
    assert (row.count, row.n, row.rate) == (9, 12, 0.75)
    assert (row.low, row.high) == wilson(9, 12)
    assert profile.unknown == 1 and profile.decisions == 13
    assert profile.rate("every decision", "falls back to the default").count == 1
    never = profile.rate("KO available")
    assert never.n == 0 and math.isnan(never.rate)


def test_two_profiles_differ_by_newcombes_interval():
    later, earlier = _profile("epoch-2", 9, 12), _profile("epoch-0", 2, 12)
    table = rows([earlier, later])
    first = [r for r in table if r.agent == "epoch-0"]
    assert all(math.isnan(r.difference) and r.versus == "" for r in first)
    (row,) = [
        r for r in table if r.agent == "epoch-2" and r.situation == "recovery, clearly losing"
    ]
    assert row.versus == "epoch-0"
    assert (row.difference, row.difference_low, row.difference_high) == rate_difference(
        9, 12, 2, 12
    )
    assert row.difference_low > 0  # 9 of 12 against 2 of 12: more, measurably
    (unmet,) = [r for r in table if r.agent == "epoch-2" and r.situation == "KO available"]
    assert math.isnan(unmet.difference)
