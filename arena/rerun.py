"""A stored battle played again: same seed, same teams, same agents, same sides.

The direct transport fixes every battle's simulator seed, so with deterministic agents
a battle's outcome is a function of what the store holds. Playing it again and comparing
tells whether a result is reproducible, and a difference points at an agent that is not
deterministic (or at a changed agent, which the store's identity check catches first).
"""

import json
from dataclasses import dataclass
from pathlib import Path

from arena.errors import ArenaError
from arena.game import Entrant, GameRecord, play_game
from arena.runner import PlaySettings, field
from arena.store import Battle, Store, decompress_log
from arena.teams import Team, load_pool
from arena.transport import opened
from models.registry import AgentSpec, UnknownAgent, resolve


@dataclass(frozen=True)
class Rerun:
    stored: Battle
    again: GameRecord
    same_log: bool  # both sides' protocol, names and clock lines aside

    @property
    def matches(self) -> bool:
        return (self.stored.winner, self.stored.turns) == (self.again.winner, self.again.turns)

    def summary(self) -> str:
        def outcome(winner, turns) -> str:
            return f"{'tie' if winner is None else f'p{winner + 1} won'} in {turns} turns"

        verdict = "reproduced" if self.matches else "DIFFERS"
        log = "identical protocol" if self.same_log else "the protocol differs"
        return (
            f"battle {self.stored.id} (seed {self.stored.seed}): stored "
            f"{outcome(self.stored.winner, self.stored.turns)}, rerun "
            f"{outcome(self.again.winner, self.again.turns)}: {verdict} ({log})"
        )


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
    config = _config(store, battle)
    specs = _agents(store, battle, config)
    teams = _teams(battle, config.get("teams"))
    settings = PlaySettings(
        battle.format,
        1,
        config.get("decision_timeout", 10.0),
        config.get("max_failures", 5),
        config.get("battle_time_limit"),
    )
    async with opened("direct", hosts=1) as transport, field(specs, transport, settings) as players:
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
    stored_logs = (decompress_log(battle.p1_log), decompress_log(battle.p2_log))
    same = all(
        _comparable(old.splitlines()) == _comparable(seat.log.lines)
        for old, seat in zip(stored_logs, record.seats, strict=True)
    )
    return Rerun(battle, record, same)


def _config(store: Store, battle: Battle) -> dict:
    if battle.tournament_id is None:
        return {}
    tournament = next(t for t in store.tournaments() if t.id == battle.tournament_id)
    return json.loads(tournament.config)


def _agents(store: Store, battle: Battle, config: dict) -> dict[str, AgentSpec]:
    """p1's agent then p2's, under seat names (an agent may play itself)."""
    agents = {agent.id: agent for agent in store.agents()}
    specs = {}
    for side, agent_id in (("p1", battle.p1_agent_id), ("p2", battle.p2_agent_id)):
        agent = agents[agent_id]
        try:
            spec = resolve(agent.spec, config.get("device", "cpu"), config.get("temperature", 0.0))
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
