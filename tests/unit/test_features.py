"""Features version 2 pinned: exact values on hand-built Gen 1 positions and on a recorded
battle, so that any change to what the encoder outputs fails here and forces a bump of
`FEATURE_VERSION` (checkpoints trained on the old features would otherwise be fed
something else).

Hand-built positions come from `tests.unit.test_heuristics.position` (all level 100, stats
as the request shows them: DV 15 and full stat experience). The recorded battle is a
gen1ou game of gym-leader (p1) against max-power (p2), both sides' logs as arena stored
them, in tests/data/."""

import ast
import hashlib
from pathlib import Path

import numpy as np
import pytest
from poke_env.data import GenData

from arena.models.neural import features
from arena.models.neural.features import (
    ACTIVE,
    BOOST_AT,
    DAMAGE,
    EFFECTIVENESS,
    FAINTED,
    FEATURE_VERSION,
    HP,
    PP,
    encode,
    move_vocabulary,
    species_vocabulary,
)
from arena.models.neural.log_replay import decisions, new_battle, username
from tests.conftest import REPO
from tests.unit.test_heuristics import position

DATA = REPO / "tests" / "data"


RECORDED = "gen1ou-gym-leader-vs-max-power-p{}.log"


MEAN_ROLL = 236 / 255


def gen1_hit(level, power, attack, defence, base_speed, high_crit=False):
    """The Gen 1 formula as the games define it, on floats: crits (base Speed / 512)
    double the level."""
    crit = min(base_speed // 2 * (8 if high_crit else 1), 255) / 256
    normal = (2 * level / 5 + 2) * power * attack / defence / 50 + 2
    critical = (4 * level / 5 + 2) * power * attack / defence / 50 + 2
    return ((1 - crit) * normal + crit * critical) * MEAN_ROLL


def damage(obs, entity):
    return obs.move_features[entity, :, DAMAGE].tolist()


def test_version_is_two():
    assert FEATURE_VERSION == 2


def test_every_own_move_slot_carries_its_damage_on_the_foe():
    battle = position(["Tauros", "Alakazam", "Chansey"], "Chansey", foe_moves=("thunderbolt",))
    obs = encode(battle)
    # Tauros (Atk 298, base Spe 110) on Chansey (Def 108, HP 703): Body Slam 85 and
    # Hyper Beam 150 (accuracy 0.9) with STAB; Earthquake 100 without.
    body_slam = gen1_hit(100, 85, 298, 108, 110) * 1.5 / 703
    assert damage(obs, 0)[0] == pytest.approx(body_slam, abs=1e-7)
    assert damage(obs, 0) == [
        0.4725967049598694,
        0.7478765845298767,
        0.1135411486029625,
        0.37019944190979004,
    ]
    # Alakazam on the bench (Special 368, base Spe 120) on Chansey's Special 308:
    # Psychic with STAB; Seismic Toss its level, 100 HP; status moves nothing.
    psychic = gen1_hit(100, 90, 368, 308, 120) * 1.5 / 703
    assert damage(obs, 1) == pytest.approx([psychic, 100 / 703, 0.0, 0.0], abs=1e-7)
    assert damage(obs, 1) == [0.22213663160800934, 0.1422475129365921, 0.0, 0.0]
    assert damage(obs, 2) == [0.11745941638946533, 0.11745941638946533, 0.0, 0.0]
    # the opponent's revealed Thunderbolt: its effectiveness on Tauros, no damage
    assert obs.move_features[6, 0, EFFECTIVENESS] == 0.25 and damage(obs, 6) == [0.0] * 4
    assert obs.moves[6, 0] == move_vocabulary()["thunderbolt"]
    assert obs.move_features[0, :, PP].tolist() == [1.0] * 4


def test_shipped_vocabularies_are_poke_envs_union_over_generations():
    """The ids read from models/neural/vocabularies/ are those poke-env's own data gives:
    1 + the index in the sorted union of its pokedex (movedex) over generations 1-9."""
    for vocabulary, table in ((species_vocabulary(), "pokedex"), (move_vocabulary(), "moves")):
        names = set().union(*(getattr(GenData.from_gen(g), table) for g in range(1, 10)))
        assert vocabulary == {name: k + 1 for k, name in enumerate(sorted(names))}


def test_immunities_and_moves_that_ignore_them():
    obs = encode(position(["Tauros", "Alakazam"], "Gengar"))
    # Normal moves miss a Ghost; Earthquake is doubled by Gengar's Poison type.
    assert damage(obs, 0) == [0.0, 0.0, 0.21332547068595886, 0.804119348526001]
    assert obs.move_features[0, :, EFFECTIVENESS].tolist() == [0.0, 0.0, 0.25, 0.5]
    # Psychic on Gengar (Special 358) is doubled by its Poison type; Gen 1 Seismic Toss
    # hits Ghosts for its level: 100 of Gengar's 323 HP.
    assert damage(obs, 1) == pytest.approx(
        [gen1_hit(100, 90, 368, 358, 120) * 1.5 * 2 / 323, 100 / 323, 0, 0], abs=1e-7
    )
    assert damage(obs, 1) == [0.8343002200126648, 0.30959752202033997, 0.0, 0.0]


def test_the_foes_boosts_weigh_on_the_damage_and_show_on_it():
    battle = position(["Chansey", "Tauros"], "Slowbro", foe_moves=("amnesia",))
    plain = damage(encode(battle), 0)
    for stat in ("spa", "spd"):  # Gen 1 Amnesia raises the one Special stat
        battle.parse_message(["", "-boost", "p2a: Slowbro", stat, "2"])
    obs = encode(battle)
    assert obs.pokemon[6, BOOST_AT : BOOST_AT + 7].tolist() == pytest.approx(
        [0, 0, 2 / 6, 2 / 6, 0, 0, 0]
    )
    assert damage(obs, 0) == [0.07435053586959839, 0.29740214347839355, 0.0, 0.0]
    # Ice Beam and Thunderbolt are Special: +2 halves their non-critical part
    assert damage(obs, 0)[0] < plain[0] and damage(obs, 0)[1] < plain[1]


def test_a_forced_switch_still_rates_the_bench():
    obs = encode(position(["Tauros", "Alakazam"], "Chansey", force_switch=True))
    assert obs.globals[1] == 1.0
    assert obs.pokemon[0, [HP, FAINTED, ACTIVE]].tolist() == [0.0, 1.0, 1.0]
    assert damage(obs, 1) == [0.22213663160800934, 0.1422475129365921, 0.0, 0.0]


def _recorded(side: int) -> list:
    lines = (DATA / RECORDED.format(side)).read_text().splitlines()
    battle = new_battle("battle-gen1ou-1", "gen1ou", username(lines))
    return [encode(state) for state in decisions(battle, lines)]


def _digest(observations) -> str:
    digest = hashlib.sha256()
    for obs in observations:
        for name in features.Observation.__dataclass_fields__:
            array = getattr(obs, name)
            digest.update(f"{name}{array.dtype}{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def test_recorded_battle_encodes_to_pinned_values():
    p1, p2 = _recorded(1), _recorded(2)
    assert (len(p1), len(p2)) == (24, 26)  # the decisions each player made
    assert _digest(p1) == "e9cccefb4cf87ad82de2d5ddb089728cd37ffa098beb34c721c3e68d9cfc5207"
    assert _digest(p2) == "96025984f7544707f37868642eb37fad8c3ef05b6b7e6c03f672446b6cd64362"
    assert damage(p1[0], 0) == [0.3602890372276306, 0.21598272025585175, 0.0, 0.0]
    assert damage(p2[10], 3) == [0.185907781124115, 0.37181556224823, 0.0, 0.0]


def test_the_encoder_never_uses_the_heuristic_bots_damage_code():
    for module in ("features", "encoding_damage"):
        source = (Path(features.__file__).parent / f"{module}.py").read_text()
        imported = {
            node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
        }
        assert (
            "arena.models.heuristics.damage" not in imported
            and "arena.models.heuristics.gym_leader" not in imported
        )


def test_observations_stack_by_field():
    obs = encode(position(["Tauros"], "Chansey"))
    batch = features.stack([obs, obs])
    assert set(batch) == set(features.Observation.__dataclass_fields__)
    assert all(value.shape[0] == 2 for value in batch.values())
    assert np.array_equal(batch["move_features"][1], obs.move_features)
