"""The store: every agent, tournament, battle, rating snapshot, evaluation, promotion and
lineage arena records.

SQLModel over SQLite (WAL) at `./arena.db` by default, or any SQLAlchemy URL (`--db`,
`ARENA_DB_URL`), PostgreSQL included. A battle is committed the moment it finishes, with
both sides' protocol logs compressed, so a killed run loses nothing that had finished;
a unique key on (tournament, pairing, pair index, game) makes a resumed run unable to
record a game twice.
"""

import json
import logging
import os
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

import orjson
from sqlalchemy import UniqueConstraint, case, event, func, insert, inspect, or_, union_all
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Field, Session, SQLModel, create_engine, select

from arena.errors import ArenaError
from arena.game.battle import GameRecord
from arena.game.choices import Choice
from arena.kinds import EndReason, TournamentKind
from arena.models.registry import AgentSpec, identity_key
from arena.showdown.laddertop import STANDING_FIELDS, Standing
from arena.store import migrations
from arena.store.identity import labels

logger = logging.getLogger(__name__)
DEFAULT_URL = "sqlite:///arena.db"
MAX_ID = 2**63 - 1  # the largest id a store holds (SQLite's integer, a PostgreSQL bigint)
LADDER_OPPONENT = "ladder-opponent"  # the kind of agent rows for people met on a ladder
ARENA_MARKS = {"alembic_version", "agent"}  # a SQLite file with tables but neither: not arena's


def _now() -> datetime:
    return datetime.now(UTC)


class Agent(SQLModel, table=True):
    """A player as it plays: `identity` keys kind, spec, checkpoint hash and settings;
    `name` is for people and may repeat (reports then add what tells the rows apart)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    kind: str
    spec: str
    checkpoint_sha256: str | None = None
    settings: str = "{}"  # JSON: the settings that change play (a checkpoint's temperature)
    identity: str = Field(unique=True, index=True)


class Tournament(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str = Field(
        default=TournamentKind.TOURNAMENT,
        sa_column_kwargs={"server_default": TournamentKind.TOURNAMENT.value},
    )
    config: str  # JSON: everything needed to rebuild the schedule and resume it
    status: str = "running"
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Battle(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tournament_id", "pairing", "pair_index", "game"),)

    id: int | None = Field(default=None, primary_key=True)
    tournament_id: int | None = Field(default=None, foreign_key="tournament.id", index=True)
    pairing: str  # "A vs B" as scheduled
    pair_index: int
    game: int  # 0 or 1: which game of the side-swapped pair
    format: str
    battle_tag: str
    p1_agent_id: int = Field(foreign_key="agent.id")
    p2_agent_id: int = Field(foreign_key="agent.id")
    p1_team: str | None = None
    p2_team: str | None = None
    winner: int | None = None  # 0 p1, 1 p2, None: no winner
    turns: int
    duration: float
    end_reason: str
    p1_decisions: int = 0
    p1_invalid: int = 0
    p1_timeouts: int = 0
    p1_errors: int = 0
    p2_decisions: int = 0
    p2_invalid: int = 0
    p2_timeouts: int = 0
    p2_errors: int = 0
    p1_log: bytes
    p2_log: bytes
    p1_choices: bytes | None = None  # each side's decision records (`decode_choices`);
    p2_choices: bytes | None = None  # None: not recorded (older battles, a ladder opponent)
    ladder: str | None = Field(default=None, index=True)  # the server, for a ladder game
    username: str | None = None  # a ladder game: the account arena's agent played under
    rating_before: float | None = None  # a ladder game: the rating the server announced
    rating_after: float | None = None  # for arena's agent before and after it
    seed: str | None = None  # the simulator's seed, when arena chose it (direct transport)
    # a ladder game: the account's row of the server's ladder table after it (None where
    # the server does not show that column)
    server_elo: float | None = None
    server_glicko: float | None = None
    server_glicko_deviation: float | None = None
    server_gxe: float | None = None
    server_skill: float | None = None
    finished_at: datetime = Field(default_factory=_now)


class RatingSnapshot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tournament_id: int = Field(foreign_key="tournament.id", index=True)
    battles: int
    ratings: str  # JSON list of {name, mu, sigma, conservative, games}
    taken_at: datetime = Field(default_factory=_now)


class Evaluation(SQLModel, table=True):
    """A candidate tested against an incumbent; its games are its tournament's battles."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    tournament_id: int = Field(foreign_key="tournament.id", index=True)
    config: str  # JSON: agents, opponents, hypotheses and schedule, to check a resume
    status: str = "running"  # running, finished, interrupted
    verdict: str | None = None  # PROMOTE, REJECT or INCONCLUSIVE once decided
    pairs: int = 0  # complete head-to-head pairs
    llr: float = 0.0
    pentanomial: str = "[0, 0, 0, 0, 0]"  # JSON: head-to-head pairs scoring 0, 1/2 .. 2
    trajectory: str = "[]"  # JSON: the LLR after each complete head-to-head pair
    report: str | None = None  # JSON: Elo, gauntlet and alarms behind the verdict
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Promotion(SQLModel, table=True):
    """A training run's epochs ranked in a round robin, and its best one (the candidate)
    tested against an incumbent by an evaluation of the same name."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    run: str  # the run directory
    config: str  # JSON: the run, the incumbent, the round robin and the evaluation's test
    incumbent: str
    incumbent_sha256: str | None = None
    tournament_id: int | None = Field(default=None, foreign_key="tournament.id")  # epochs'
    epoch: int | None = None  # the candidate's epoch, once chosen
    candidate: str | None = None  # its checkpoint file
    candidate_sha256: str | None = None
    evaluation_id: int | None = Field(default=None, foreign_key="evaluation.id")
    status: str = "running"  # running, finished
    verdict: str | None = None  # PROMOTE, REJECT or INCONCLUSIVE once decided
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Lineage(SQLModel, table=True):
    """A line of champions: each promoted checkpoint replaces the one it was tested
    against. Agents are named by spec and told apart by their file's sha256."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    config: str = "{}"  # JSON: the generation loop's settings ({} for promotions alone)
    champion: str  # the champion's spec (`base` or a checkpoint file)
    champion_sha256: str | None = None
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Generation(SQLModel, table=True):
    """One step of a lineage: data played by the champion, a run trained from it, and
    its promotion; `stage` is where a killed loop picks up again."""

    __table_args__ = (UniqueConstraint("lineage_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    lineage_id: int = Field(foreign_key="lineage.id", index=True)
    number: int  # 1, 2, ...: generation N is trained from the champion of N - 1
    stage: str  # selfplay, data, train, promote, done
    parent: str  # the champion it starts from (spec)
    parent_sha256: str | None = None
    selfplay: str | None = None  # the self-play tournament's name
    data: str | None = None  # the dataset directory its games were added to
    run: str | None = None  # the training run's directory
    promotion_id: int | None = Field(default=None, foreign_key="promotion.id")
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


def compress_log(lines: list[str]) -> bytes:
    return zlib.compress("\n".join(lines).encode(), 6)


def decompress_log(blob: bytes) -> str:
    return zlib.decompress(blob).decode()


def compress_choices(choices: list[Choice]) -> bytes:
    return zlib.compress(orjson.dumps([list(c) for c in choices]), 6)


def decode_choices(blob: bytes | None) -> list[Choice] | None:
    """A side's decision records as stored, in play order; None when none were recorded."""
    if blob is None:
        return None
    return [Choice(*row) for row in orjson.loads(zlib.decompress(blob))]


def masked(url: str) -> str:
    """The URL as it may be shown: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_pragmas(engine: Engine, readonly: bool) -> None:
    """WAL and foreign keys for a store arena writes; a read-only one gets no pragma that
    writes (a switch to WAL rewrites the file's header)."""

    @event.listens_for(engine, "connect")
    def _on_connect(connection, _record):
        cursor = connection.cursor()
        if readonly:
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def url_of(url: str | None) -> str:
    """The store a command means: `url`, else `$ARENA_DB_URL`, else ./arena.db."""
    return url or os.environ.get("ARENA_DB_URL") or DEFAULT_URL


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names; None for another database or an in-memory one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def connect(url: str | None = None, readonly: bool = False) -> tuple[Engine, str]:
    """An engine on the store at `url` (see `url_of`), checked to be reachable, and the
    URL as it may be shown.

    `readonly`: the engine cannot write (a SQLite file opened with `mode=ro`, a PostgreSQL
    session whose transactions are read-only) and a SQLite file that does not exist is
    refused, not created. A SQLite file is looked at through SQLite before anything
    writes to it: a file that is not SQLite, another application's database or a file
    arena may not write to is refused in one line and left as it was.
    """
    url = url_of(url)
    label = masked(url)
    file = sqlite_file(url)
    if file is not None:
        engine = _sqlite_engine(file, label, readonly)
    else:
        engine = _engine(url, label, readonly)
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        raise ArenaError(f"cannot open the store at {label}: {_reason(error)}") from None
    return engine, label


def _engine(url: str, label: str, readonly: bool) -> Engine:
    try:
        engine = create_engine(url)
        if readonly and engine.dialect.name == "postgresql":
            engine.dispose()
            options = "-c default_transaction_read_only=on"
            engine = create_engine(url, connect_args={"options": options})
    except (ArgumentError, ImportError) as error:
        raise ArenaError(f"cannot use the store URL {label}: {error}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine, readonly)
    return engine


def _sqlite_engine(file: str, label: str, readonly: bool) -> Engine:
    """An engine on a SQLite store file, after SQLite itself has said what the file is.

    Never `open()` a store's file: on POSIX, closing any descriptor of a file drops every
    lock the process holds on it, SQLite's own included, and a store written without them
    loses committed battles when another process checkpoints and deletes the WAL.
    """
    if not os.path.exists(file):
        if readonly:
            raise ArenaError(f"no store at {file}: pass --db with an existing store")
        return _engine(f"sqlite:///{file}", label, readonly)
    folder = os.path.dirname(os.path.abspath(file))
    if not readonly and not (os.access(file, os.W_OK) and os.access(folder, os.W_OK)):
        raise ArenaError(
            f"the store at {file} is read-only here (file or folder permissions) and this "
            "command writes to it"
        )
    reading = _engine(_readonly_url(file), label, readonly=True)
    try:
        with reading.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    except DBAPIError as error:
        reading.dispose()
        raise ArenaError(f"cannot open the store at {label}: {_reason(error)}") from None
    if tables and not tables & ARENA_MARKS:
        reading.dispose()
        raise ArenaError(
            f"{file} is another application's SQLite database (tables: "
            f"{', '.join(sorted(tables)[:5])}), not an arena store: refused"
        )
    if readonly:
        return reading
    reading.dispose()
    return _engine(f"sqlite:///{file}", label, readonly)


def _readonly_url(file: str) -> str:
    """A SQLite URI that opens `file` read-only: SQLite never writes to it, not even a
    journal mode."""
    return f"sqlite:///file:{quote(os.path.abspath(file))}?mode=ro&uri=true"


def _reason(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else "unreachable"


_BULKY = tuple(
    defer(column) for column in (Battle.p1_log, Battle.p2_log, Battle.p1_choices, Battle.p2_choices)
)  # left out of listings: reports need outcomes, and these are most of the bytes


class Store:
    """Sessions over one database; every write is its own committed transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None, readonly: bool = False) -> "Store":
        """The store at `url`, upgraded to the current schema first if it is older.

        `readonly`, for commands that only read: nothing is written, neither a table nor a
        journal mode, and a store that is missing or not at this arena's schema is refused
        in one line (`arena db upgrade` brings an older one up).
        """
        engine, label = connect(url, readonly)
        if readonly:
            migrations.check_readable(engine, label)
        else:
            migrations.upgrade(engine, label)
        return cls(engine)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- agents and tournaments -------------------------------------------------------

    def agent_id(self, spec: AgentSpec) -> int:
        """The row of the agent `spec` plays as, created on first use."""
        return self._agent_row(spec.name, spec.kind, spec.import_path, spec.sha256, spec.settings)

    def ladder_opponent_id(self, server: str, username: str) -> int:
        """Someone met on a ladder: one row per server and username."""
        name = f"{server}:{username}"
        return self._agent_row(name, LADDER_OPPONENT, name, None, "{}")

    def _agent_row(self, name: str, kind: str, spec: str, sha256: str | None, settings: str) -> int:
        key = identity_key(kind, spec, sha256, settings)
        row = Agent(
            name=name,
            kind=kind,
            spec=spec,
            checkpoint_sha256=sha256,
            settings=settings,
            identity=key,
        )
        for _ in range(2):  # a second process may add the same agent between the two steps
            with self.session() as session:
                found = session.exec(select(Agent.id).where(Agent.identity == key)).first()
                if found is not None:
                    return found
                session.add(row)
                try:
                    session.commit()
                    return row.id
                except IntegrityError:
                    session.rollback()
        raise ArenaError(f"cannot record agent {name!r} in the store")

    def agents_named(self, names: Iterable[str]) -> list[Agent]:
        with self.session() as session:
            return list(session.exec(select(Agent).where(Agent.name.in_(list(names)))))

    def tournament(self, name: str) -> Tournament | None:
        with self.session() as session:
            return session.exec(select(Tournament).where(Tournament.name == name)).first()

    def tournaments(self, kind: TournamentKind | None = None) -> list[Tournament]:
        """Tournaments in the order they were made, of one kind or of all."""
        query = select(Tournament).order_by(Tournament.id)
        if kind is not None:
            query = query.where(Tournament.kind == kind)
        with self.session() as session:
            return list(session.exec(query))

    def create_tournament(
        self, name: str, config: dict, kind: TournamentKind = TournamentKind.TOURNAMENT
    ) -> Tournament:
        with self.session() as session:
            tournament = Tournament(name=name, kind=kind, config=json.dumps(config, sort_keys=True))
            session.add(tournament)
            session.commit()
            return tournament

    def set_status(self, tournament_id: int, status: str) -> None:
        with self.session() as session:
            tournament = session.get(Tournament, tournament_id)
            tournament.status = status
            tournament.updated_at = _now()
            session.add(tournament)
            session.commit()

    # -- evaluations ------------------------------------------------------------------

    def evaluation(self, name: str) -> Evaluation | None:
        with self.session() as session:
            return session.exec(select(Evaluation).where(Evaluation.name == name)).first()

    def create_evaluation(self, name: str, config: dict) -> Evaluation:
        """The evaluation and the tournament that holds its games, in one transaction."""
        with self.session() as session:
            tournament = Tournament(
                name=f"evaluation:{name}",
                kind=TournamentKind.EVALUATION,
                config=json.dumps(config, sort_keys=True),
            )
            session.add(tournament)
            session.flush()
            evaluation = Evaluation(
                name=name, tournament_id=tournament.id, config=json.dumps(config, sort_keys=True)
            )
            session.add(evaluation)
            try:
                session.commit()
            except IntegrityError:
                raise ArenaError(
                    f"a tournament named 'evaluation:{name}' already exists: use another --name"
                ) from None
            return evaluation

    def save_evaluation(self, evaluation_id: int, **values) -> None:
        self._update(Evaluation, evaluation_id, values)

    def _update(self, table: type[SQLModel], row_id: int, values: dict) -> None:
        """Sets `values` on one row (and its `updated_at`) in one transaction."""
        with self.session() as session:
            row = session.get(table, row_id)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = _now()
            session.add(row)
            session.commit()

    # -- promotions and lineages ------------------------------------------------------

    def promotion(self, name: str) -> Promotion | None:
        with self.session() as session:
            return session.exec(select(Promotion).where(Promotion.name == name)).first()

    def promotion_by_id(self, promotion_id: int) -> Promotion | None:
        with self.session() as session:
            return session.get(Promotion, promotion_id)

    def evaluation_by_id(self, evaluation_id: int) -> Evaluation | None:
        with self.session() as session:
            return session.get(Evaluation, evaluation_id)

    def create_promotion(self, **values) -> Promotion:
        return self._insert(Promotion(**values))

    def save_promotion(self, promotion_id: int, **values) -> None:
        self._update(Promotion, promotion_id, values)

    def lineage(self, name: str) -> Lineage | None:
        with self.session() as session:
            return session.exec(select(Lineage).where(Lineage.name == name)).first()

    def lineages(self) -> list[Lineage]:
        with self.session() as session:
            return list(session.exec(select(Lineage).order_by(Lineage.id)))

    def create_lineage(self, **values) -> Lineage:
        return self._insert(Lineage(**values))

    def generations(self, lineage_id: int) -> list[Generation]:
        with self.session() as session:
            query = select(Generation).where(Generation.lineage_id == lineage_id)
            return list(session.exec(query.order_by(Generation.number)))

    def create_generation(self, **values) -> Generation:
        return self._insert(Generation(**values))

    def save_generation(self, generation_id: int, **values) -> None:
        self._update(Generation, generation_id, values)

    def finish_promotion(
        self,
        promotion_id: int,
        verdict: str,
        evaluation_id: int,
        generation_id: int | None,
        champion: tuple[str, str] | None,
    ) -> None:
        """The verdict, the generation it ends and the lineage's new champion (spec and
        sha256; None: the champion stays) in one transaction, so a kill cannot leave a
        verdict without its champion."""
        with self.session() as session:
            promotion = session.get(Promotion, promotion_id)
            promotion.verdict, promotion.status = verdict, "finished"
            promotion.evaluation_id, promotion.updated_at = evaluation_id, _now()
            session.add(promotion)
            if generation_id is not None:
                generation = session.get(Generation, generation_id)
                generation.stage, generation.promotion_id = "done", promotion_id
                generation.updated_at = _now()
                session.add(generation)
                if champion is not None:
                    lineage = session.get(Lineage, generation.lineage_id)
                    lineage.champion, lineage.champion_sha256 = champion
                    lineage.updated_at = _now()
                    session.add(lineage)
            session.commit()

    def _insert(self, row: SQLModel):
        with self.session() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise ArenaError(f"{type(row).__name__.lower()} already stored") from None
            return row

    # -- battles ----------------------------------------------------------------------

    def record_battle(
        self,
        tournament_id: int | None,
        pairing: str,
        game: int,
        battle_format: str,
        record: GameRecord,
        agent_ids: dict[str, int],
        ladder: str | None = None,
        rating: tuple[float | None, float | None] = (None, None),
        username: str | None = None,
        standing: Standing | None = None,
    ) -> bool:
        """Commits one finished game; False when that game of the schedule is already in.
        Logged (info) once committed, so a log names every battle the store holds for sure.

        A plain insert, not an ORM object: it runs on the event loop after every battle.
        """
        p1, p2 = record.seats
        row = {
            "tournament_id": tournament_id,
            "pairing": pairing,
            "pair_index": record.pair or 0,
            "game": game,
            "format": battle_format,
            "battle_tag": record.battle_tag,
            "winner": record.winner,
            "turns": record.turns,
            "duration": record.duration,
            "end_reason": record.end_reason,
            "finished_at": _now(),
            "ladder": ladder,
            "username": username,
            "rating_before": rating[0],
            "rating_after": rating[1],
            "seed": record.seed,
        }
        for name in STANDING_FIELDS:
            row[f"server_{name}"] = getattr(standing, name) if standing else None
        for prefix, seat in (("p1_", p1), ("p2_", p2)):
            row |= {
                f"{prefix}agent_id": agent_ids[seat.agent],
                f"{prefix}team": seat.team,
                f"{prefix}decisions": seat.log.decisions,
                f"{prefix}invalid": seat.log.invalid,
                f"{prefix}timeouts": seat.log.timeouts,
                f"{prefix}errors": seat.log.errors,
                f"{prefix}log": compress_log(seat.log.lines),
                f"{prefix}choices": None
                if seat.log.choices is None
                else compress_choices(seat.log.choices),
            }
        try:
            with self.engine.begin() as connection:
                battle_id = connection.execute(insert(Battle), row).inserted_primary_key[0]
        except IntegrityError:
            return False
        logger.info(
            "battle %d stored: tournament %s, %s, pair %d game %d",
            battle_id,
            tournament_id,
            pairing,
            row["pair_index"],
            game,
        )
        return True

    def finished_games(self, tournament_id: int) -> set[tuple[str, int, int]]:
        with self.session() as session:
            rows = session.exec(
                select(Battle.pairing, Battle.pair_index, Battle.game).where(
                    Battle.tournament_id == tournament_id
                )
            )
            return {tuple(row) for row in rows}

    def ladder_battles(self, server: str | None = None) -> list[Battle]:
        """Ladder games in the order they finished, of one server or of all."""
        query = (
            select(Battle)
            .options(*_BULKY)
            .where(Battle.ladder.is_not(None))
            .order_by(Battle.finished_at, Battle.id)
        )
        if server is not None:
            query = query.where(Battle.ladder == server)
        with self.session() as session:
            return list(session.exec(query))

    def agents(self) -> list[Agent]:
        with self.session() as session:
            return list(session.exec(select(Agent)))

    def battles(self, tournament_ids: Iterable[int] | None = None) -> list[Battle]:
        """Tournament battles in the order they finished (all when no tournament is named),
        without their logs or decision records (`_BULKY`)."""
        query = (
            select(Battle)
            .options(*_BULKY)
            .where(Battle.ladder.is_(None))
            .order_by(Battle.finished_at, Battle.id)
        )
        if tournament_ids is not None:
            query = query.where(Battle.tournament_id.in_(list(tournament_ids)))
        with self.session() as session:
            return list(session.exec(query))

    def battle(self, battle_id: int) -> Battle | None:
        with self.session() as session:
            return session.get(Battle, battle_id)

    def agent_names(self) -> dict[int, str]:
        """Every agent's label: its name, told apart from others of that name."""
        return labels(self.agents())

    def all_battles(self) -> list[Battle]:
        """Every battle, tournament and ladder alike, in the order they finished."""
        query = select(Battle).options(*_BULKY).order_by(Battle.finished_at, Battle.id)
        with self.session() as session:
            return list(session.exec(query))

    def tournament_agents(self, tournament_id: int) -> list[Agent]:
        """The agents that have played in a tournament."""
        query = select(Agent).where(
            (Agent.id.in_(select(Battle.p1_agent_id).where(Battle.tournament_id == tournament_id)))
            | (
                Agent.id.in_(
                    select(Battle.p2_agent_id).where(Battle.tournament_id == tournament_id)
                )
            )
        )
        with self.session() as session:
            return list(session.exec(query))

    def snapshot(self, tournament_id: int, battles: int, ratings: list[dict]) -> None:
        with self.session() as session:
            session.add(
                RatingSnapshot(
                    tournament_id=tournament_id, battles=battles, ratings=json.dumps(ratings)
                )
            )
            session.commit()

    # -- dashboard reads ---------------------------------------------------------------------
    # What `arena web` lists and counts, as queries here so the dashboard holds no SQL.

    def tournament_progress(self, tournament_id: int | None = None) -> dict[int, tuple]:
        """Per tournament (one, or every one): its battles and when the last finished."""
        query = select(Battle.tournament_id, func.count(), func.max(Battle.finished_at)).where(
            Battle.tournament_id.is_not(None)
        )
        if tournament_id is not None:
            query = query.where(Battle.tournament_id == tournament_id)
        with self.session() as session:
            rows = session.exec(query.group_by(Battle.tournament_id))
            return {row[0]: (row[1], row[2]) for row in rows}

    def tournament_by_id(self, tournament_id: int) -> Tournament | None:
        with self.session() as session:
            return session.get(Tournament, tournament_id)

    def tournament_version(self, tournament_id: int) -> tuple[int, int | None]:
        """What changes when a game of the tournament lands: its count and newest battle id."""
        query = select(func.count(), func.max(Battle.id)).where(
            Battle.tournament_id == tournament_id, Battle.ladder.is_(None)
        )
        with self.session() as session:
            return tuple(session.exec(query).one())

    def end_reason_counts(self, tournament_id: int) -> list[tuple[str, int]]:
        """The tournament's battles per distinct end reason."""
        query = (
            select(Battle.end_reason, func.count())
            .where(Battle.tournament_id == tournament_id, Battle.ladder.is_(None))
            .group_by(Battle.end_reason)
        )
        with self.session() as session:
            return [tuple(row) for row in session.exec(query)]

    def filtered_battles(
        self,
        tournament_id: int,
        agent_ids: list[int] | None,
        result: str | None,
        end: str | None,
        window: tuple[int, int] | None,
    ) -> tuple[list, int]:
        """A tournament's battles, without logs, in the order they finished: those of
        `agent_ids` (any agent when None) with that `result` for them (`win`, `loss`, `tie`)
        and an end reason starting `end`; the (offset, limit) `window` of them, and how many
        pass in all. An offset past the end is an empty page."""
        query = select(
            Battle.id,
            Battle.pairing,
            Battle.pair_index,
            Battle.game,
            Battle.p1_agent_id,
            Battle.p2_agent_id,
            Battle.winner,
            Battle.turns,
            Battle.end_reason,
            Battle.finished_at,
        ).where(Battle.tournament_id == tournament_id)
        conditions = []
        if agent_ids is not None:
            p1, p2 = Battle.p1_agent_id.in_(agent_ids), Battle.p2_agent_id.in_(agent_ids)
            conditions.append(or_(p1, p2))
            if result in ("win", "loss"):
                mine = 0 if result == "win" else 1
                conditions.append(
                    or_(p1 & (Battle.winner == mine), p2 & (Battle.winner == 1 - mine))
                )
        if result == "tie":
            conditions.append(Battle.end_reason == EndReason.TIE)
        if end is not None:
            conditions.append(Battle.end_reason.startswith(end))
        query = query.where(*conditions)
        with self.session() as session:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            query = query.order_by(Battle.finished_at, Battle.id)
            if window is not None:
                offset, limit = window
                query = query.offset(min(offset, total)).limit(limit)
            return list(session.exec(query)), total

    def agent_tallies(self, agent_id: int | None = None) -> list[tuple]:
        """(agent id, tournament id, ladder, games, wins) per agent and tournament or ladder
        server. A game counts once for each agent in it, a mirror game (the agent against
        itself) once, and as no win: it cannot show an agent better than itself."""
        sides = []
        for side, column, other in (
            (0, Battle.p1_agent_id, Battle.p2_agent_id),
            (1, Battle.p2_agent_id, Battle.p1_agent_id),
        ):
            won = case(((Battle.winner == side) & (column != other), 1), else_=0)
            query = select(
                column.label("agent"), Battle.tournament_id, Battle.ladder, won.label("won")
            )
            if side == 1:
                query = query.where(column != other)  # a mirror game is counted on p1's side
            if agent_id is not None:
                query = query.where(column == agent_id)
            sides.append(query)
        games = union_all(*sides).subquery()
        query = select(
            games.c.agent,
            games.c.tournament_id,
            games.c.ladder,
            func.count(),
            func.sum(games.c.won),
        ).group_by(games.c.agent, games.c.tournament_id, games.c.ladder)
        with self.session() as session:
            return [(a, t, ladder, n, int(w or 0)) for a, t, ladder, n, w in session.exec(query)]

    def evaluations_newest_first(self) -> list[Evaluation]:
        with self.session() as session:
            return list(session.exec(select(Evaluation).order_by(Evaluation.id.desc())))
