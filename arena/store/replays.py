"""Imported Showdown replays in the store: each one battle of a tournament of kind
`replay`, recorded with its `Replay` row in one transaction, so an import stopped half
way or a replay refused leaves nothing behind. `Store` takes these methods in."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from arena.errors import ArenaError
from arena.kinds import EndReason, TournamentKind
from arena.models.registry import identity_key
from arena.store.tables import REPLAY_PLAYER, Agent, Battle, Replay, Tournament, compress_log

REPLAYS = "replays"  # the one tournament every imported replay belongs to


def not_replays():
    """The SQL condition that keeps imported replays out of a selection of "every
    tournament": people's games count for arena's ratings and data only when asked for."""
    replays = select(Tournament.id).where(Tournament.kind == TournamentKind.REPLAY)
    return Battle.tournament_id.is_(None) | Battle.tournament_id.not_in(replays)


@dataclass(frozen=True)
class ReplayRecord:
    """What an import stores of one replay."""

    replay_id: str
    format: str
    players: tuple[str, str]  # p1's and p2's usernames
    log: list[str]  # the spectator log
    winner: int | None
    turns: int
    rating: float | None
    uploaded_at: datetime | None


class ReplayStore:
    """Writes and reads of imported replays; `Store` provides the session."""

    session: Callable[[], Session]

    def replay_ids(self) -> set[str]:
        with self.session() as session:
            return set(session.exec(select(Replay.replay_id)))

    def record_replay(self, record: ReplayRecord) -> int | None:
        """Stores the replay with its players and its battle; its battle id, or None when a
        replay of that id is stored already."""
        with self.session() as session:
            if session.exec(select(Replay).where(Replay.replay_id == record.replay_id)).first():
                return None
            tournament = _replay_tournament(session)
            agents = [_player(session, name) for name in record.players]
            pairing = f"{record.players[0]} vs {record.players[1]}"
            count = session.exec(
                select(func.count()).where(Battle.tournament_id == tournament.id)
            ).one()
            end = EndReason.NORMAL if record.winner is not None else EndReason.TIE
            log = compress_log(record.log)
            battle = Battle(
                tournament_id=tournament.id,
                pairing=pairing,
                pair_index=count,
                game=0,
                format=record.format,
                battle_tag=record.replay_id,
                p1_agent_id=agents[0],
                p2_agent_id=agents[1],
                winner=record.winner,
                turns=record.turns,
                duration=0.0,
                end_reason=end.value,
                p1_log=log,
                p2_log=log,
                **({"finished_at": record.uploaded_at} if record.uploaded_at else {}),
            )
            session.add(battle)
            session.flush()
            session.add(
                Replay(
                    battle_id=battle.id,
                    replay_id=record.replay_id,
                    rating=record.rating,
                    uploaded_at=record.uploaded_at,
                )
            )
            session.commit()
            return battle.id

    def replays_of(self, battle_ids: Iterable[int]) -> dict[int, Replay]:
        """The replay rows of those battles that are imported replays, by battle id."""
        query = select(Replay).where(Replay.battle_id.in_(list(battle_ids)))
        with self.session() as session:
            return {row.battle_id: row for row in session.exec(query)}


def _replay_tournament(session: Session) -> Tournament:
    tournament = session.exec(select(Tournament).where(Tournament.name == REPLAYS)).first()
    if tournament is None:
        tournament = Tournament(
            name=REPLAYS, kind=TournamentKind.REPLAY, config=json.dumps({}), status="finished"
        )
        session.add(tournament)
        session.flush()
    elif tournament.kind != TournamentKind.REPLAY:
        raise ArenaError(f"the store's tournament {REPLAYS!r} is a {tournament.kind}, not replays")
    return tournament


def _player(session: Session, username: str) -> int:
    """The agent row of a replay's player: one per username."""
    key = identity_key(REPLAY_PLAYER, username, None, "{}")
    agent = session.exec(select(Agent).where(Agent.identity == key)).first()
    if agent is None:
        agent = Agent(name=username, kind=REPLAY_PLAYER, spec=username, identity=key)
        session.add(agent)
        session.flush()
    return agent.id
