"""The store: the one object every command reads and writes arena's records through.

SQLModel over SQLite (WAL) at `./arena.db` by default, or any SQLAlchemy URL (`--db`,
`ARENA_DB_URL`), PostgreSQL included. A battle is committed the moment it finishes, so a
killed run loses nothing that had finished; the tables are in `arena.store.tables`, how a
database is opened in `arena.store.connection`. It is long because it is the one facade:
every query a command runs is a method here (the dashboard's reads in
`arena.store.dashboard`, the replays' in `arena.store.replays`), so no SQL lives anywhere
else.
"""

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, SQLModel, select

from arena.errors import ArenaError
from arena.kinds import TournamentKind
from arena.models.registry import AgentSpec, identity_key
from arena.showdown.laddertop import STANDING_FIELDS, ServerStanding
from arena.store.connection import connect
from arena.store.dashboard import DashboardReads
from arena.store.identity import labels
from arena.store.replays import ReplayStore, not_replays
from arena.store.revision import at_newest
from arena.store.tables import (
    LADDER_OPPONENT,
    Agent,
    Battle,
    Evaluation,
    Generation,
    Lineage,
    Promotion,
    RatingSnapshot,
    Tournament,
    compress_choices,
    compress_log,
    utc_now,
)

if TYPE_CHECKING:  # a record's type only: the store does not import game play
    from arena.game.battle import GameRecord

logger = logging.getLogger(__name__)


_BULKY = tuple(
    defer(column) for column in (Battle.p1_log, Battle.p2_log, Battle.p1_choices, Battle.p2_choices)
)  # left out of listings: reports need outcomes, and these are most of the bytes


class Store(DashboardReads, ReplayStore):
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
        if at_newest(engine):  # the common case, decided without importing Alembic
            return cls(engine)
        from arena.store import migrations  # here: Alembic costs more than a short command

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

    def create_or_check(
        self,
        kind: TournamentKind,
        name: str,
        config: dict,
        differs: Callable[[dict], list[str]],
        retry: str,
        what: str | None = None,
        row: type[SQLModel] = Tournament,
        create: Callable[[], SQLModel] | None = None,
    ):
        """The stored `row` of this name: made now (by `create`, or as a tournament of `kind`
        holding `config`), or checked to be the same run, so that a rerun resumes it. A
        tournament of another kind, or settings `differs` (given the stored config) names,
        are refused with `retry`, the way out."""
        with self.session() as session:
            existing = session.exec(select(row).where(row.name == name)).first()
        if existing is None:
            return create() if create is not None else self.create_tournament(name, config, kind)
        if row is Tournament:
            self.check_kind(existing, kind)
        mismatched = differs(json.loads(existing.config))
        if mismatched:
            raise ArenaError(
                f"{what or kind.label} {name!r} exists with other {', '.join(mismatched)}: {retry}"
            )
        return existing

    @staticmethod
    def check_kind(existing: Tournament, kind: TournamentKind = TournamentKind.TOURNAMENT) -> None:
        """Refuses to resume a stored tournament as another kind than the one that made it."""
        if existing.kind != kind:
            known = TournamentKind.of(existing.kind)
            label = f"{existing.kind} run" if known is None else known.label
            raise ArenaError(
                f"{existing.name!r} is a stored {label}: rerun its own command to "
                "resume it, or use a new --name"
            )

    def set_status(self, tournament_id: int, status: str) -> None:
        with self.session() as session:
            tournament = session.get(Tournament, tournament_id)
            tournament.status = status
            tournament.updated_at = utc_now()
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
            row.updated_at = utc_now()
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
            promotion.evaluation_id, promotion.updated_at = evaluation_id, utc_now()
            session.add(promotion)
            if generation_id is not None:
                generation = session.get(Generation, generation_id)
                generation.stage, generation.promotion_id = "done", promotion_id
                generation.updated_at = utc_now()
                session.add(generation)
                if champion is not None:
                    lineage = session.get(Lineage, generation.lineage_id)
                    lineage.champion, lineage.champion_sha256 = champion
                    lineage.updated_at = utc_now()
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
        record: "GameRecord",
        agent_ids: dict[str, int],
        ladder: str | None = None,
        rating: tuple[float | None, float | None] = (None, None),
        username: str | None = None,
        standing: ServerStanding | None = None,
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
            "finished_at": utc_now(),
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
        """Tournament battles in the order they finished, without their logs or decision
        records (`_BULKY`). All when no tournament is named, but imported replays only
        when their tournament is: people's games never mix into arena's ratings or data
        unasked."""
        query = (
            select(Battle)
            .options(*_BULKY)
            .where(Battle.ladder.is_(None))
            .order_by(Battle.finished_at, Battle.id)
        )
        if tournament_ids is not None:
            query = query.where(Battle.tournament_id.in_(list(tournament_ids)))
        else:
            query = query.where(not_replays())
        with self.session() as session:
            return list(session.exec(query))

    def battles_with_logs(self, battle_ids: Iterable[int]) -> list[Battle]:
        """The battles of `battle_ids`, whole: their logs and decision records included."""
        with self.session() as session:
            return list(session.exec(select(Battle).where(Battle.id.in_(list(battle_ids)))))

    def battles_of(
        self, agent_id: int, latest: int | None = None, tournament_ids: Iterable[int] | None = None
    ) -> list[Battle]:
        """The battles `agent_id` played on either side, whole, ladder games included: the
        `latest` (None: all) of them, of `tournament_ids` when named, in the order they
        finished."""
        query = select(Battle).where(
            (Battle.p1_agent_id == agent_id) | (Battle.p2_agent_id == agent_id)
        )
        if tournament_ids is not None:
            query = query.where(Battle.tournament_id.in_(list(tournament_ids)))
        query = query.order_by(Battle.finished_at.desc(), Battle.id.desc())
        if latest is not None:
            query = query.limit(latest)
        with self.session() as session:
            return list(reversed(session.exec(query).all()))

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
