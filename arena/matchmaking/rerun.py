"""A stored battle played again: same seed, same teams, same agents, same sides.

The direct transport fixes every battle's simulator seed, and each side draws from a
generator derived from it, so a battle is a function of what the store holds. Playing it
again and comparing tells whether a result is reproducible; a difference points at the
side whose decision first differed (a bot that draws from elsewhere, or that reads the
clock), found from both sides' decision records, or else at the turn where the protocol
first differs (a changed simulator; a changed agent is caught first by its identity).
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

from arena.errors import ArenaError
from arena.game.battle import Entrant, GameRecord, play_game
from arena.game.choices import Choice
from arena.game.teams import Team, load_pool
from arena.game.transport import opened
from arena.matchmaking.runner import players_for
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import AgentSpec, UnknownAgent, resolve
from arena.store.database import Store
from arena.store.tables import Battle, decode_choices, decompress_log


@dataclass(frozen=True)
class Divergence:
    """Where a rerun first left the stored battle: the side (or both sides, deciding at
    once) whose decision differed first, or, with `sides` empty, the turn whose protocol
    differs first when no decision differs by then."""

    turn: int
    sides: tuple[int, ...] = ()  # 0 for p1, 1 for p2
    stored: str | None = None  # the order the first named side sent then (None: none)
    again: str | None = None  # and the order it sent in the rerun

    def describe(self, seats: tuple[str, str]) -> str:
        if not self.sides:
            return f"the protocol first differs at turn {self.turn}"
        who = " and ".join(seats[side] for side in self.sides)
        orders = f"stored {self.stored or 'no decision'}, rerun {self.again or 'no decision'}"
        return f"{who} diverged first, at turn {self.turn} ({orders})"


@dataclass(frozen=True)
class Rerun:
    stored: Battle
    again: GameRecord
    same_log: bool  # both sides' protocol, names and clock lines aside
    divergence: Divergence | None = None

    @property
    def matches(self) -> bool:
        same_outcome = (self.stored.winner, self.stored.turns) == (
            self.again.winner,
            self.again.turns,
        )
        return same_outcome and self.same_log and self.divergence is None

    def summary(self) -> str:
        def outcome(winner, turns) -> str:
            return f"{'tie' if winner is None else f'p{winner + 1} won'} in {turns} turns"

        verdict = "reproduced" if self.matches else "DIFFERS"
        log = "identical protocol" if self.same_log else "the protocol differs"
        text = (
            f"battle {self.stored.id} (seed {self.stored.seed}): stored "
            f"{outcome(self.stored.winner, self.stored.turns)}, rerun "
            f"{outcome(self.again.winner, self.again.turns)}: {verdict} ({log})"
        )
        if self.divergence is None:
            return text
        seats = tuple(seat.agent for seat in self.again.seats)
        return f"{text}: {self.divergence.describe(seats)}"


async def rerun(store: Store, battle_id: int) -> Rerun:
    """Plays stored battle `battle_id` again on simulator hosts and compares."""
    battle = store.battle(battle_id)
    if battle is None:
        raise ArenaError(f"no stored battle with id {battle_id}")
    if battle.seed is None:
        raise ArenaError(
            f"battle {battle_id} has no stored seed (a server chose it): "
            "only battles played on the direct transport can be rerun"
        )
    settings = replace(_settings(store, battle), format=battle.format, concurrency=1)
    specs = _agents(store, battle, settings)
    teams = _teams(battle, settings.teams)
    async with (
        opened("direct", hosts=1) as transport,
        players_for(specs, transport, settings) as players,
    ):
        names = list(specs)
        record = await play_game(
            Entrant(names[0], players[names[0]], teams[0]),
            Entrant(names[1], players[names[1]], teams[1]),
            battle.format,
            transport,
            battle.pair_index,
            settings.battle_time_limit,
            battle.seed,
        )
    stored_logs = [
        _comparable(decompress_log(log).splitlines()) for log in (battle.p1_log, battle.p2_log)
    ]
    again_logs = [_comparable(seat.log.lines) for seat in record.seats]
    stored_choices = [decode_choices(blob) for blob in (battle.p1_choices, battle.p2_choices)]
    again_choices = [seat.log.choices for seat in record.seats]
    by_decision = first_divergence(stored_choices, again_choices)
    by_protocol = _protocol_divergence(stored_logs, again_logs)
    divergence = by_decision
    if by_protocol and (by_decision is None or by_protocol.turn < by_decision.turn):
        divergence = by_protocol  # the battle changed before any decision did
    return Rerun(battle, record, stored_logs == again_logs, divergence)


def first_divergence(
    stored: list[list[Choice] | None], again: list[list[Choice] | None]
) -> Divergence | None:
    """The decision that differed first, by each side's records (p1's, then p2's).

    A side's first differing record is where it left the stored battle; of the two sides',
    the earlier one in play order is the cause: a turn's moves come before its forced
    switches, and the two sides' moves of one turn are chosen at once, on the same state.
    A side without stored records (an older battle) is not compared.
    """
    firsts = {}
    for side, (old, new) in enumerate(zip(stored, again, strict=True)):
        k = None if old is None or new is None else _first_difference(old, new)
        if k is not None:
            firsts[side] = (old[k] if k < len(old) else None, new[k] if k < len(new) else None)
    if not firsts:
        return None

    def when(pair: tuple[Choice | None, Choice | None]) -> tuple[int, bool]:
        choice = pair[0] or pair[1]
        return choice.turn, choice.forced_switch

    earliest = min(when(pair) for pair in firsts.values())
    sides = tuple(side for side, pair in firsts.items() if when(pair) == earliest)
    old, new = firsts[sides[0]]
    return Divergence(earliest[0], sides, old.order if old else None, new.order if new else None)


def _protocol_divergence(stored: list[list[str]], again: list[list[str]]) -> Divergence | None:
    """The first turn at which either side's protocol differs; None if neither does."""
    turns = []
    for old, new in zip(stored, again, strict=True):
        k = _first_difference(old, new)
        if k is not None:
            turns.append(_turn_at(old, k))
    return Divergence(min(turns)) if turns else None


def _first_difference(old: list, new: list) -> int | None:
    """The first index where two lists differ (one running past the other's end counts);
    None when they are equal."""
    k = next((k for k, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
    if k is None and len(old) != len(new):
        return min(len(old), len(new))
    return k


def _turn_at(lines: list[str], index: int) -> int:
    """The turn under way at line `index` of a protocol log (0 before the first)."""
    turn = 0
    for line in lines[:index]:
        if line.startswith("|turn|"):
            turn = int(line.split("|")[2])
    return turn


def _settings(store: Store, battle: Battle) -> PlaySettings:
    """The settings the battle was played with: its tournament's (the defaults without one)."""
    if battle.tournament_id is None:
        return PlaySettings.defaults()
    tournament = next(t for t in store.tournaments() if t.id == battle.tournament_id)
    return PlaySettings.of(json.loads(tournament.config))


def _agents(store: Store, battle: Battle, settings: PlaySettings) -> dict[str, AgentSpec]:
    """p1's agent then p2's, under seat names (an agent may play itself)."""
    agents = {agent.id: agent for agent in store.agents()}
    specs = {}
    for side, agent_id in (("p1", battle.p1_agent_id), ("p2", battle.p2_agent_id)):
        agent = agents[agent_id]
        try:
            spec = resolve(agent.spec, settings.device, settings.temperature)
        except UnknownAgent as error:
            raise ArenaError(f"cannot rerun battle {battle.id}: {error}") from None
        if spec.sha256 != agent.checkpoint_sha256:
            raise ArenaError(f"cannot rerun battle {battle.id}: {agent.spec} has changed")
        specs[f"{agent.name} ({side})"] = spec
    return specs


def _teams(battle: Battle, directory: str | None) -> tuple[Team | None, Team | None]:
    _, pool = load_pool(battle.format, Path(directory) if directory else None)
    if pool is None:
        return None, None
    by_name = {team.name: team for team in pool.teams}
    missing = [name for name in (battle.p1_team, battle.p2_team) if name not in by_name]
    if missing:
        raise ArenaError(f"cannot rerun battle {battle.id}: team {missing[0]!r} is gone")
    return by_name[battle.p1_team], by_name[battle.p2_team]


def _comparable(lines: list[str]) -> list[str]:
    """The lines without the clock, with each player's name replaced by its side."""
    names = {}
    for line in lines:
        if line.startswith("|player|"):
            parts = line.split("|")
            if len(parts) > 3 and parts[3]:
                names[parts[3]] = parts[2]
    kept = []
    for line in lines:
        if line.startswith("|t:|"):
            continue
        for name, side in names.items():
            line = line.replace(name, side)
        kept.append(line)
    return kept
