"""Replaying one side's protocol: reward components and revealed actions, to the number.

The logs are hand-written Gen 1 protocol, laid out as a player receives it (a turn's
`|request|` right after the `|turn|` line, before the lines that play the turn).
"""

import json

import numpy as np
import pytest

from arena.training.data.action_inference import infer
from arena.training.data.decisions import COMPONENTS, UNKNOWN_ACTION
from arena.training.data.protocol import replay

TEAM = {
    "Tauros": (353, ["bodyslam", "hyperbeam", "blizzard", "earthquake"]),
    "Chansey": (703, ["icebeam", "thunderbolt", "thunderwave", "softboiled"]),
}
HEADER = """|init|battle
|player|p1|alice|1|
|player|p2|bob|2|
|gen|1
|tier|[Gen 1] OU
|start
|switch|p1a: Tauros|Tauros|353/353
|switch|p2a: Snorlax|Snorlax|100/100
|turn|1"""


def request(rqid: int, hp: dict[str, str], active: str | None, force: bool = False) -> str:
    """A request as Showdown sends it: moves of the active unless a switch is forced."""
    side = [
        {
            "ident": f"p1: {name}",
            "details": name,
            "condition": hp[name],
            "active": name == active,
            "stats": {"atk": 200, "def": 200, "spa": 200, "spd": 200, "spe": 200},
            "moves": moves,
            "baseAbility": "noability",
            "item": "",
            "pokeball": "pokeball",
        }
        for name, (_, moves) in TEAM.items()
    ]
    payload = {"side": {"name": "alice", "id": "p1", "pokemon": side}, "rqid": rqid}
    if force:
        payload["forceSwitch"] = [True]
    elif active:
        payload["active"] = [
            {"moves": [{"move": m, "id": m, "pp": 10, "maxpp": 16} for m in TEAM[active][1]]}
        ]
    return "|request|" + json.dumps(payload)


FULL = {"Tauros": "353/353", "Chansey": "703/703"}
BATTLE = "\n".join(
    [
        HEADER,
        request(1, FULL, "Tauros"),
        "|",
        "|move|p1a: Tauros|Body Slam|p2a: Snorlax",
        "|-damage|p2a: Snorlax|70/100",
        "|move|p2a: Snorlax|Body Slam|p1a: Tauros",
        "|-damage|p1a: Tauros|253/353",
        "|turn|2",
        request(2, FULL | {"Tauros": "253/353"}, "Tauros"),
        "|",
        "|switch|p2a: Chansey|Chansey|100/100",  # the foe switches out before the hit
        "|move|p1a: Tauros|Body Slam|p2a: Chansey",
        "|-damage|p2a: Chansey|80/100",
        "|-status|p2a: Chansey|par",
        "|turn|3",
        request(3, FULL | {"Tauros": "253/353"}, "Tauros"),
        "|",
        "|move|p1a: Tauros|Hyper Beam|p2a: Chansey",
        "|-damage|p2a: Chansey|0 fnt",
        "|faint|p2a: Chansey",
        '|request|{"wait":true,"side":{"name":"alice","id":"p1","pokemon":[]},"rqid":4}',
        "|switch|p2a: Snorlax|Snorlax|70/100",
        "|turn|4",
        request(5, FULL | {"Tauros": "253/353"}, "Tauros"),
        "|",
        "|move|p2a: Snorlax|Body Slam|p1a: Tauros",  # Tauros faints before it moves
        "|-damage|p1a: Tauros|0 fnt",
        "|faint|p1a: Tauros",
        request(6, FULL | {"Tauros": "0 fnt"}, "Tauros", force=True),
        "|",
        "|switch|p1a: Chansey|Chansey|703/703",
        "|turn|5",
        request(7, {"Tauros": "0 fnt", "Chansey": "703/703"}, "Chansey"),
        "|",
        "|move|p2a: Snorlax|Body Slam|p1a: Chansey",
        "|-damage|p1a: Chansey|503/703",
        "|-status|p1a: Chansey|par",
        "|move|p1a: Chansey|Soft-Boiled|p1a: Chansey",
        "|-heal|p1a: Chansey|703/703 par",
        "|turn|6",
        request(8, {"Tauros": "0 fnt", "Chansey": "703/703 par"}, "Chansey"),
    ]
)


def components(steps) -> list[dict[str, float]]:
    return [
        {name: round(float(v), 4) for name, v in zip(COMPONENTS, s.components, strict=True) if v}
        for s in steps
    ]


def test_components_of_every_step_of_a_battle():
    steps = replay(BATTLE + "\n|-message|bob forfeited.\n|win|alice", "p1", "gen1ou")
    assert [s.rqid for s in steps] == [1, 2, 3, 5, 6, 7, 8]
    assert components(steps) == [
        {"damage_done": 0.3},
        {"gave_status": 1.0},  # the damage landed on a foe that switched in mid-turn
        {"damage_done": 0.8, "removed": 1.0},
        {"lost": 1.0},
        {},
        {"hp_gain": round(200 / 703, 4), "took_status": 1.0},
        {"victory": 1.0},  # the opponent forfeited
    ]


def test_revealed_actions_are_inferred_and_hidden_ones_unknown():
    steps = replay(BATTLE + "\n|win|alice", "p1", "gen1ou")
    slots = [infer(s, "p1") for s in steps]
    # Body Slam, Body Slam, Hyper Beam, fainted unmoved, the only switch, Soft-Boiled,
    # and the last decision never played.
    assert slots == [0, 0, 1, UNKNOWN_ACTION, 4, 3, UNKNOWN_ACTION]
    assert steps[4].forced_switch and not steps[3].forced_switch


@pytest.mark.parametrize(
    ("ending", "victory"),
    [("|win|bob", -1.0), ("|-message|alice forfeited.\n|win|bob", -1.0), ("|tie", 0.0)],
)
def test_victory_is_on_the_last_decision_only(ending, victory):
    steps = replay(BATTLE + "\n" + ending, "p1", "gen1ou")
    column = COMPONENTS.index("victory")
    assert steps[-1].components[column] == victory
    assert not np.any([s.components[column] for s in steps[:-1]])


def test_a_cant_line_leaves_the_action_unknown():
    log = "\n".join([HEADER, request(1, FULL, "Tauros"), "|", "|cant|p1a: Tauros|par", "|turn|2"])
    (step,) = replay(log, "p1", "gen1ou")
    assert infer(step, "p1") == UNKNOWN_ACTION
