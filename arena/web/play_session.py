"""Live games between a person and an agent, played on the dashboard's own event loop.

Each game runs on arena's game machinery as any other: simulator hosts (the direct
transport), an `ArenaPlayer` for the agent and one for the person (`arena.game.human`),
`play_game` to the end, then the record stored through the store like every battle, in
the tournament `play-FORMAT` of kind `human`, the person as agent `human:NAME`. So the
leaderboard rates agents against people with the same intervals it gives any field.

What a page sees of a game (`view`) is read from the person's player alone: its battle
(its own team in full, the opponent only as revealed) and its side's protocol log. The
agent's player and its log are never read here.
"""

import asyncio
import contextlib
import logging
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from poke_env.battle import AbstractBattle, Move, Pokemon

from arena.errors import ArenaError
from arena.game.battle import Entrant, GameRecord, play_game
from arena.game.human import Refused, human_spec
from arena.game.player import ArenaPlayer, BattleLog, close
from arena.game.teams import Team, TeamPool, load_pool
from arena.game.transport import opened
from arena.kinds import TournamentKind
from arena.models.registry import AgentSpec, UnknownAgent, resolve
from arena.report.narration import narrate
from arena.showdown import validator
from arena.store.database import Store

log = logging.getLogger("arena")
HUMAN_SIDE = 0  # the person plays p1, the challenger's seat
AGENT_TIMEOUT = 10.0  # seconds the agent may take over one decision
PASTED = "pasted team"  # how a team pasted on the page is named in the store


@dataclass(frozen=True)
class PlayOptions:
    battle_format: str = "gen1ou"
    teams: Path | None = None  # the team pool (default: the format's shipped pool)
    clock: float = 90.0  # seconds a person has for one decision
    max_failures: int = 3  # decisions missed in a game before the person forfeits it
    hosts: int = 1  # simulator hosts: a person plays one game at a time


def tournament_name(battle_format: str) -> str:
    return f"play-{battle_format}"


def human_tournament(store: Store, battle_format: str) -> int:
    """The id of the format's tournament of games against people, made on first use."""
    return store.create_or_check(
        TournamentKind.HUMAN,
        tournament_name(battle_format),
        {"format": battle_format},
        lambda stored: [] if stored.get("format") == battle_format else ["format"],
        "games against people keep one tournament per format",
    ).id


def store_game(
    store: Store, tournament_id: int, battle_format: str, record: GameRecord, ids: dict[str, int]
) -> int:
    """Stores a finished game as the next of its pairing, its own rating unit (a game
    against a person has no side-swapped twin); the stored battle's id."""
    pairing = f"{record.seats[0].agent} vs {record.seats[1].agent}"
    while True:
        games = store.finished_games(tournament_id)
        record.pair = max((i for name, i, _ in games if name == pairing), default=-1) + 1
        if store.record_battle(tournament_id, pairing, 0, battle_format, record, ids):
            break
    (stored,) = [
        b
        for b in store.battles([tournament_id])
        if b.pairing == pairing and b.pair_index == record.pair
    ]
    return stored.id


@dataclass
class LiveGame:
    """One game in progress (or just over): its two players and, once over, its record."""

    id: str
    agent: AgentSpec
    human: AgentSpec
    team: str | None
    player: ArenaPlayer  # the person's side: the only one a page is shown
    opponent: ArenaPlayer
    seen: asyncio.Future  # the person's battle, once the simulator has started it
    task: asyncio.Task | None = None
    record: GameRecord | None = None
    battle_id: int | None = None
    failure: str | None = None

    @property
    def over(self) -> bool:
        return self.task is not None and self.task.done()

    def log(self) -> BattleLog:
        """The person's side of the game: live, or from the record once it is taken."""
        if self.record is not None:
            return self.record.seats[HUMAN_SIDE].log
        battle = self.battle()
        found = battle and self.player.arena_logs.get(battle.battle_tag)
        return found or BattleLog()

    def battle(self) -> AbstractBattle | None:
        return self.seen.result() if self.seen.done() and not self.seen.cancelled() else None


@dataclass
class PlayHall:
    """Every game of one `arena web --play`: the store, the pool and the simulator hosts."""

    store: Store
    options: PlayOptions
    pool: TeamPool | None = None
    tournament_id: int | None = None
    games: dict[str, LiveGame] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    _transport: object = None

    async def open(self) -> None:
        """The pool checked and the tournament made (or found) before a game is offered."""
        fmt = self.options.battle_format
        info, self.pool = await asyncio.to_thread(load_pool, fmt, self.options.teams)
        if info.game_type != "singles":
            raise ArenaError(f"play is for singles formats: {fmt} is {info.game_type}")
        self.tournament_id = await asyncio.to_thread(human_tournament, self.store, fmt)
        self._transport = await self._stack.enter_async_context(
            opened("direct", hosts=self.options.hosts)
        )

    async def close(self) -> None:
        for game in self.games.values():
            if game.task is not None and not game.task.done():
                game.task.cancel()
        await asyncio.gather(
            *(g.task for g in self.games.values() if g.task), return_exceptions=True
        )
        await self._stack.aclose()

    def team_names(self) -> list[str]:
        return [team.name for team in self.pool.teams] if self.pool else []

    async def start(self, agent: str, name: str, team: str | None, pasted: str | None) -> LiveGame:
        """A new game of the person `name` against `agent`, with the pool's team `team`,
        their own `pasted` team (Showdown's export format) or a team drawn from the pool."""
        human = human_spec(name)
        try:
            spec = await asyncio.to_thread(resolve, agent.strip())
        except UnknownAgent as error:
            raise ArenaError(str(error)) from None
        mine = await self._team(team, pasted)
        theirs = random.choice(self.pool.teams) if self.pool else None
        ids = await asyncio.to_thread(self._agent_ids, human, spec)
        fmt, transport = self.options.battle_format, self._transport
        person = await transport.spawn(human, fmt, self.options.clock, self.options.max_failures)
        try:
            opponent = await transport.spawn(spec, fmt, AGENT_TIMEOUT, ArenaPlayer.max_failures)
        except BaseException:
            await close(person)
            raise
        game = LiveGame(
            secrets.token_urlsafe(16),
            spec,
            human,
            mine.name if mine else None,
            person,
            opponent,
            person.expect_battle(),
        )
        entrants = (Entrant(human.name, person, mine), Entrant(spec.name, opponent, theirs))
        game.task = asyncio.create_task(self._play(game, entrants, ids))
        self.games[game.id] = game
        return game

    def _agent_ids(self, *specs: AgentSpec) -> dict[str, int]:
        return {spec.name: self.store.agent_id(spec) for spec in specs}

    async def _team(self, chosen: str | None, pasted: str | None) -> Team | None:
        fmt = self.options.battle_format
        if pasted and pasted.strip():
            _, (check,) = await asyncio.to_thread(validator.check, fmt, [pasted])
            if check.errors:
                raise ArenaError(f"your team is not legal in {fmt}: {check.errors[0]}")
            return Team(PASTED, check.packed)
        if self.pool is None:
            return None
        if chosen:
            found = [t for t in self.pool.teams if t.name == chosen]
            if not found:
                raise ArenaError(f"no team named {chosen!r} in the pool")
            return found[0]
        return random.choice(self.pool.teams)

    async def _play(self, game: LiveGame, entrants: tuple[Entrant, Entrant], ids) -> None:
        seed = f"sodium,{secrets.token_hex(32)}"
        try:
            fmt = self.options.battle_format
            game.record = await play_game(*entrants, fmt, self._transport, seed=seed)
            game.battle_id = await asyncio.to_thread(
                store_game, self.store, self.tournament_id, fmt, game.record, ids
            )
        except Exception as error:  # shown on the page; the game is simply not stored
            game.failure = f"{type(error).__name__}: {error}"
            log.exception("a game against %s failed", game.agent.name)
        finally:
            if not game.seen.done():
                game.seen.cancel()
            await asyncio.gather(close(game.player), close(game.opponent))

    def choose(self, game_id: str, rqid: int, key: str) -> None:
        game = self.game(game_id)
        if game.over:
            raise Refused("the battle is over")
        game.player.submit(rqid, key)

    def game(self, game_id: str) -> LiveGame:
        found = self.games.get(game_id)
        if found is None:
            raise KeyError(game_id)
        return found

    def view(self, game_id: str) -> dict:
        """The game as its person sees it: their side's view only."""
        game = self.game(game_id)
        battle, log = game.battle(), game.log()
        waiting = game.player.waiting
        view = {
            "id": game.id,
            "format": self.options.battle_format,
            "you": game.human.name,
            "agent": game.agent.name,
            "team": game.team,
            "turn": battle.turn if battle else 0,
            "yours": [_mon(m, own=True) for m in battle.team.values()] if battle else [],
            "theirs": [_mon(m, own=False) for m in battle.opponent_team.values()] if battle else [],
            "narration": narrate("\n".join(log.lines)),
            "choices": [choice.order for choice in log.choices or []],
            "request": None,
            "result": None,
            "failure": game.failure,
        }
        if waiting is not None and not game.over:
            view["request"] = {
                "rqid": waiting.rqid,
                "seconds_left": max(0.0, waiting.deadline - time.time()),
                "clock": self.options.clock,
                "options": [_option(key, target) for key, target in waiting.options.items()],
            }
        if game.over and game.record is not None:
            record = game.record
            view["result"] = {
                "winner": record.winner_name(),
                "end_reason": record.end_reason,
                "turns": record.turns,
                "battle_id": game.battle_id,
            }
        return view


def _mon(mon: Pokemon, own: bool) -> dict:
    return {
        "species": mon.species,
        "hp": mon.current_hp_fraction,
        "hp_text": f"{mon.current_hp}/{mon.max_hp}" if own else f"{mon.current_hp_fraction:.0%}",
        "status": mon.status.name.lower() if mon.status else "",
        "active": bool(mon.active),
        "fainted": mon.fainted,
    }


def _option(key: str, target: Move | Pokemon) -> dict:
    if isinstance(target, Move):
        return {
            "key": key,
            "kind": "move",
            "name": target.entry.get("name", target.id),
            "type": target.type.name.lower(),
            "power": target.base_power,
            "accuracy": round(100 * target.accuracy),
            "pp": target.current_pp,
            "max_pp": target.max_pp,
        }
    return {
        "key": key,
        "kind": "switch",
        "name": target.species,
        "hp": target.current_hp_fraction,
        "status": target.status.name.lower() if target.status else "",
    }
