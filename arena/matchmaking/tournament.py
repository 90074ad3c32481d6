"""Game play for a tournament: a field of players working through a schedule.

Up to `concurrency` workers take the next unplayed slot, play it, commit it to the store
(through the `StoreWriter`, off the event loop) and update the live ratings. Setting
`stop` ends scheduling; games in flight finish and are saved. Matchmaking lives in
`schedule`, live rating in `rating.live`, storage in `store`.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

from arena.errors import ArenaError
from arena.game.battle import GameRecord
from arena.game.transport import opened
from arena.kinds import EndReason, TournamentKind
from arena.matchmaking.cluster import RayOptions, play_on_ray
from arena.matchmaking.runner import play_slots, players_for
from arena.matchmaking.schedule import Slot
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.workers import Job, play_in_workers
from arena.models.registry import AgentSpec, resolve
from arena.rating.live import LiveRatings
from arena.rating.stats import Outcome
from arena.store.database import Store
from arena.store.writer import StoreWriter

SNAPSHOT_EVERY = 50  # battles between stored rating snapshots


@dataclass(frozen=True)
class TournamentConfig:
    """Everything that defines a tournament; stored with it so it can be resumed. It is
    stored flat: the play settings beside the schedule's own fields."""

    name: str
    agents: tuple[str, ...]
    games_per_pair: int
    mode: str
    candidate: str | None
    play: PlaySettings
    workers: int = 1

    SCHEDULE_FIELDS = ("agents", "format", "teams", "games_per_pair", "mode", "candidate", "seed")

    def to_json(self) -> dict:
        data = asdict(self)
        play = data.pop("play")
        return {**data, **play}

    @classmethod
    def from_json(cls, data: dict) -> "TournamentConfig":
        own = {f.name for f in fields(cls)} - {"play"}
        values = {k: v for k, v in data.items() if k in own}
        return cls(**{**values, "agents": tuple(data["agents"])}, play=PlaySettings.of(data))

    def schedule_differs(self, other: "TournamentConfig") -> list[str]:
        mine, theirs = self.to_json(), other.to_json()
        return [f for f in self.SCHEDULE_FIELDS if mine[f] != theirs[f]]


def field_specs(config: TournamentConfig) -> dict[str, AgentSpec]:
    """Each agent of the config, resolved and checked, by its name."""
    specs = {}
    for entry in config.agents:
        spec = resolve(entry, config.play.device, config.play.temperature)
        if spec.name in specs:
            raise ArenaError(f"agent {spec.name!r} is named twice")
        specs[spec.name] = spec
    return specs


check_kind = Store.check_kind


def stored_id(
    store: Store, config: TournamentConfig, kind: TournamentKind = TournamentKind.TOURNAMENT
) -> int:
    """The tournament's id, creating it as a `kind`, or checking a rerun asks for the same
    games of the same kind (for self-play, at the same temperature: its samples are the
    data it is played for)."""

    def differs(stored: dict) -> list[str]:
        previous = TournamentConfig.from_json(stored)
        changed = config.schedule_differs(previous)
        if kind == TournamentKind.SELFPLAY and config.play.temperature != previous.play.temperature:
            changed.append("temperature")
        return changed

    if kind == TournamentKind.SELFPLAY:
        retry, what = "rerun it as it was to resume it, or use a new --name", None
    else:
        retry, what = f"use `--resume {config.name}` or a new --name", "tournament"
    return store.create_or_check(kind, config.name, config.to_json(), differs, retry, what).id


def outcome_of(record: GameRecord, slot: Slot) -> Outcome | None:
    """The rated result of a game; None for a game ended by its wall-clock limit."""
    if EndReason.of(record.end_reason) == EndReason.TIME_LIMIT:
        return None
    p1, p2 = (seat.agent for seat in record.seats)
    score = 0.5 if record.winner is None else (1.0 if record.winner == 0 else 0.0)
    return Outcome(p1, p2, score, (slot.pairing, slot.pair_index))


def check_unchanged(
    store: Store, tournament: str, tournament_id: int, specs: dict[str, AgentSpec]
) -> None:
    """Refuses to go on with an agent that is no longer the one that played here: a
    checkpoint rewritten since the tournament started would mix two players' games."""
    played = {agent.name: agent for agent in store.tournament_agents(tournament_id)}
    for name, spec in specs.items():
        before = played.get(name)
        if before is None or before.identity == spec.identity:
            continue
        raise ArenaError(
            f"cannot resume tournament {tournament!r}: {spec.import_path} is not the agent "
            f"{name} that played in it (sha256 {str(before.checkpoint_sha256)[:12]} then, "
            f"{str(spec.sha256)[:12]} now): restore it or start a new tournament with --name"
        )


@dataclass
class Progress:
    total: int
    done: int = 0
    played: int = 0  # this run
    failures: int = 0  # errors, timeouts and forfeits this run
    started: float = 0.0

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.played / elapsed if elapsed > 0 else 0.0


class TournamentRun:
    """Plays a tournament's remaining slots against a store and a server."""

    def __init__(
        self,
        config: TournamentConfig,
        tournament_id: int,
        specs: dict[str, AgentSpec],
        slots: list[Slot],
        store: Store,
        ratings: LiveRatings,
        on_game: Callable[["TournamentRun"], None] | None = None,
    ):
        self.config, self.tournament_id, self.specs = config, tournament_id, specs
        self.store, self.ratings, self.on_game = store, ratings, on_game
        finished = store.finished_games(tournament_id)
        self.pending = [slot for slot in slots if slot.key not in finished]
        self.progress = Progress(total=len(slots), done=len(slots) - len(self.pending))
        check_unchanged(store, config.name, tournament_id, specs)
        # two seats of one agent (a self-play mirror) share its id
        self.agent_ids = {name: store.agent_id(spec) for name, spec in specs.items()}
        self.outcomes: list[Outcome] = []  # rated results of this run, as they finished
        self.stop = asyncio.Event()
        self.writer: StoreWriter | None = None
        self.cluster: RayOptions | None = None  # set: the games are played on Ray actors

    async def play(self, websocket_url: str | None) -> None:
        """Plays what is pending: on the given server, else on the config's transport
        (simulator hosts, or servers started for the run); here, in worker processes, or
        on Ray actors."""
        settings = self.config.play
        kind = "server" if websocket_url else settings.transport
        self.progress.started = time.perf_counter()
        self.writer = StoreWriter()
        names = sorted({name for slot in self.pending for name in (slot.a, slot.b)})
        specs = {name: self.specs[name] for name in names}
        try:
            if self.cluster is not None:
                await play_on_ray(
                    self.cluster,
                    specs,
                    self.pending,
                    settings,
                    self._record,
                    self.stop,
                    transport=kind,
                    websocket_url=websocket_url,
                )
                return
            if self.config.workers > 1:
                job = Job(
                    self.config.agents,
                    settings,
                    tuple(self.pending),
                    websocket_url,
                    transport=kind,
                )
                await play_in_workers(job, self.config.workers, self._record, self.stop)
                return
            async with (
                opened(kind, websocket_url) as transport,
                players_for(specs, transport, settings) as players,
            ):
                self.progress.started = time.perf_counter()
                await play_slots(
                    self.pending, players, settings, self._record, self.stop, transport=transport
                )
        finally:
            self.writer.close()  # every finished game is stored before the final snapshot
            self._store_snapshot(*self._snapshot_now())

    async def _record(self, slot: Slot, record: GameRecord) -> None:
        stored = await self.writer.call(
            self.store.record_battle,
            self.tournament_id,
            slot.pairing,
            slot.game,
            self.config.play.format,
            record,
            self.agent_ids,
        )
        if not stored:
            return
        outcome = outcome_of(record, slot)
        if outcome is not None and not self._mirror(record):
            self.ratings.update(outcome)
            self.outcomes.append(outcome)
        self.progress.done += 1
        self.progress.played += 1
        self.progress.failures += sum(s.log.failures + s.log.forfeited for s in record.seats) + (
            outcome is None
        )
        if self.progress.done % SNAPSHOT_EVERY == 0:
            await self.writer.call(self._store_snapshot, *self._snapshot_now())
        if self.on_game:
            self.on_game(self)

    def _mirror(self, record: GameRecord) -> bool:
        """An agent against itself: a game that says nothing about its rating."""
        p1, p2 = (self.agent_ids[seat.agent] for seat in record.seats)
        return p1 == p2

    def _snapshot_now(self) -> tuple[int, list[dict]]:
        """The ratings as they stand, read on the loop that updates them."""
        return self.progress.done, [asdict(row) for row in self.ratings.table()]

    def _store_snapshot(self, done: int, rows: list[dict]) -> None:
        if rows:
            self.store.snapshot(self.tournament_id, done, rows)
