"""A side's stored protocol log replayed into a poke-env Battle, decision by decision.

A seat's log holds every battle line its player received, in order. Fed to a Battle the
way poke-env's `Player._handle_battle_message` routes them (checked on poke-env 0.16.1),
each request that asks for a choice is one decision, and the Battle at that moment is
the state the player decided on: the same object a live agent's `choose_move` saw.
`route` is that routing, line by line, for readers that also need what each line did
(the dataset's reward components and revealed actions); `decisions` is the plain walk.
"""

import logging
from collections.abc import Iterable, Iterator
from enum import Enum

import orjson
from poke_env.battle import Battle
from poke_env.data import GenData
from poke_env.player import Player

# lines the Player keeps from the battle's parser: errors it logs, and open team sheets
# (`showteam`), which the replay does not apply
ROUTED_ELSEWHERE = {"error", "bigerror", "showteam"}
_quiet = logging.getLogger("arena.replay")
_quiet.setLevel(logging.CRITICAL)


class Routed(Enum):
    """What one protocol line did to the battle."""

    SKIPPED = "skipped"  # never reaches the battle: ignored, an error, a team sheet
    WAITING = "waiting"  # a request that asks for no choice now (wait, team preview)
    STATE = "state"  # parsed into the battle (a `win` or `tie` included)
    DECISION = "decision"  # a request asking for a choice: the battle is the player's view


def username(lines: Iterable[str]) -> str:
    """The player whose view the log is, from its first request."""
    for line in lines:
        if line.startswith("|request|{"):
            return orjson.loads(line[len("|request|") :])["side"]["name"]
    raise ValueError("the log holds no request: it is no player's view of a battle")


def new_battle(tag: str, battle_format: str, player: str) -> Battle:
    gen = GenData.from_format(battle_format).gen
    return Battle(tag, player, _quiet, gen=gen)


def route(battle: Battle, message: list[str]) -> Routed:
    """Feeds one line, split on `|`, to `battle` as poke-env's Player would."""
    if len(message) < 2:
        return Routed.SKIPPED
    kind = message[1]
    if kind == "request":
        if len(message) < 3 or not message[2]:
            return Routed.SKIPPED
        battle.parse_request(orjson.loads("|".join(message[2:])))
        if battle.wait or battle.teampreview:
            return Routed.WAITING
        return Routed.DECISION
    if kind in Player.MESSAGES_TO_IGNORE or kind in ROUTED_ELSEWHERE:
        return Routed.SKIPPED
    if kind == "win":
        battle.won_by(message[2])
    elif kind == "tie":
        battle.tied()
    else:
        battle.parse_message(message)
    return Routed.STATE


def decisions(battle: Battle, lines: Iterable[str]) -> Iterator[Battle]:
    """Feeds `lines` to `battle`, yielding it at every request that asks for a choice.

    The battle is the same object each time: read what is needed before the next one.
    """
    for line in lines:
        if route(battle, line.split("|")) is Routed.DECISION:
            yield battle
