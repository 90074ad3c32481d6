"""What `arena web` lists and counts, as queries of the store, so the dashboard holds no
SQL: `Store` takes these methods in."""

from collections.abc import Callable

from sqlalchemy import case, func, or_, union_all
from sqlmodel import Session, select

from arena.kinds import EndReason
from arena.store.tables import Battle, Evaluation, Tournament


class DashboardReads:
    """Queries the dashboard's pages are built from; `Store` provides the session."""

    session: Callable[[], Session]

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
