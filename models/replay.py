"""A side's stored protocol log replayed into a poke-env Battle, decision by decision.

A seat's log holds every battle line its player received, in order. Fed to a Battle the
way poke-env's `Player._handle_battle_message` routes them (checked on poke-env 0.16),
each request that asks for a choice is one decision, and the Battle at that moment is
the state the player decided on: the same object a live agent's `choose_move` saw.
"""

import logging
from collections.abc import Iterable, Iterator

import orjson
from poke_env.battle import Battle
from poke_env.data import GenData

IGNORED = {"t:", "expire", "uhtmlchange", "tempnotify", "tempnotifyoff"}
ROUTED_ELSEWHERE = {"error", "bigerror", "showteam", "win", "tie"}
_quiet = logging.getLogger("arena.replay")
_quiet.setLevel(logging.CRITICAL)


def username(lines: Iterable[str]) -> str:
    """The player whose view the log is, from its first request."""
    for line in lines:
        if line.startswith("|request|{"):
            return orjson.loads(line[len("|request|") :])["side"]["name"]
    raise ValueError("the log holds no request: it is no player's view of a battle")


def new_battle(tag: str, battle_format: str, player: str) -> Battle:
    gen = GenData.from_format(battle_format).gen
    return Battle(tag, player, _quiet, gen=gen)


def decisions(battle: Battle, lines: Iterable[str]) -> Iterator[Battle]:
    """Feeds `lines` to `battle`, yielding it at every request that asks for a choice.

    The battle is the same object each time: read what is needed before the next one.
    """
    for line in lines:
        message = line.split("|")
        if len(message) < 2:
            continue
        kind = message[1]
        if kind == "request":
            if len(message) > 2 and message[2]:
                battle.parse_request(orjson.loads("|".join(message[2:])))
                if not battle.wait and not battle.teampreview:
                    yield battle
        elif kind == "win":
            battle.won_by(message[2])
        elif kind == "tie":
            battle.tied()
        elif kind == "" or kind not in IGNORED | ROUTED_ELSEWHERE:
            battle.parse_message(message)
