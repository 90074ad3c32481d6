"""A side played by a person: each decision waits for a choice that arrives from outside.

The person's player is an ordinary poke-env `Player` behind `ArenaPlayer`, so the game,
its decision records, the decision clock (the player's `decision_timeout`, after which
the default move stands in and counts as a failure) and a forfeit after too many missed
decisions are exactly an agent's. What it adds is a mailbox: at each request it lists
the choices the request allows, keyed `move:ID` or `switch:SPECIES`, and waits until
`submit` hands it one of them, for that very request (its `rqid`).
"""

import asyncio
import time
from dataclasses import dataclass, field

from poke_env.battle import AbstractBattle, Move, Pokemon
from poke_env.player import BattleOrder, Player

from arena.errors import ArenaError
from arena.models.registry import AgentSpec

KIND = "human"


class Refused(ArenaError):
    """A choice the battle cannot take: no decision pending, another request, not legal."""


@dataclass
class Waiting:
    """The decision a person is asked for: the request it answers, what it allows, and
    when the clock runs out (wall-clock seconds, for the page to count down)."""

    rqid: int | None
    options: dict[str, Move | Pokemon]
    deadline: float
    answer: asyncio.Future = field(repr=False)


def human_spec(name: str) -> AgentSpec:
    """The person `name` as an agent: `human:NAME`, one row in the store per name."""
    name = name.strip()
    if not name or len(name) > 40 or not name.isprintable() or ":" in name:
        raise ArenaError("a player's name is 1 to 40 printable characters, without ':'")
    label = f"{KIND}:{name}"
    return AgentSpec(label, KIND, label, HumanPlayer)


def options_of(battle: AbstractBattle) -> dict[str, Move | Pokemon]:
    """What the current request allows, by key, in the order the page shows it."""
    moves = {f"move:{move.id}": move for move in battle.available_moves}
    switches = {f"switch:{mon.species}": mon for mon in battle.available_switches}
    return moves | switches


class HumanPlayer(Player):
    """Decides by waiting for `submit`; the clock is `ArenaPlayer`'s decision timeout."""

    def __init__(self, *args, **kwargs):
        self.waiting: Waiting | None = None
        super().__init__(*args, **kwargs)

    async def choose_move(self, battle: AbstractBattle) -> BattleOrder:
        options = options_of(battle)
        if not options:
            return self.choose_default_move()
        answer = asyncio.get_running_loop().create_future()
        deadline = time.time() + getattr(self, "decision_timeout", 0.0)
        self.waiting = Waiting(battle.last_request.get("rqid"), options, deadline, answer)
        try:
            return self.create_order(options[await answer])
        finally:
            self.waiting = None

    def submit(self, rqid: int, key: str) -> None:
        """Hands the pending decision its choice, or refuses it in one line."""
        waiting = self.waiting
        if waiting is None or waiting.answer.done():
            raise Refused("no decision is pending: the battle is over or the agent is moving")
        if rqid != waiting.rqid:
            raise Refused(f"request {rqid} is not the pending request {waiting.rqid}")
        if key not in waiting.options:
            raise Refused(f"{key!r} is not a legal choice now")
        waiting.answer.set_result(key)
