"""The store's tables: every agent, tournament, battle, rating snapshot, evaluation,
promotion, lineage and generation arena records, and how bulky columns are encoded.

A battle keeps both sides' protocol logs and decision records compressed; its unique key
on (tournament, pairing, pair index, game) makes a resumed run unable to record a game
twice. Changing a table means a migration (`arena.store.migrations`).
"""

import zlib
from datetime import UTC, datetime

import orjson
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from arena.game.choices import Choice
from arena.kinds import TournamentKind

MAX_ID = 2**63 - 1  # the largest id a store holds (SQLite's integer, a PostgreSQL bigint)
LADDER_OPPONENT = "ladder-opponent"  # the kind of agent rows for people met on a ladder
REPLAY_PLAYER = "replay-player"  # the kind of agent rows for the players of imported replays


def utc_now() -> datetime:
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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
    finished_at: datetime = Field(default_factory=utc_now)


class Replay(SQLModel, table=True):
    """An imported Showdown replay: its battle (the spectator log in both log columns) and
    what the replay site says of it. The unique `replay_id` keeps a replay from being
    stored twice."""

    id: int | None = Field(default=None, primary_key=True)
    battle_id: int = Field(foreign_key="battle.id", unique=True, index=True)
    replay_id: str = Field(unique=True, index=True)
    rating: float | None = None  # the replay site's rating of the battle (None: unrated)
    uploaded_at: datetime | None = None


class RatingSnapshot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tournament_id: int = Field(foreign_key="tournament.id", index=True)
    battles: int
    ratings: str  # JSON list of {name, mu, sigma, conservative, games}
    taken_at: datetime = Field(default_factory=utc_now)


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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class Lineage(SQLModel, table=True):
    """A line of champions: each promoted checkpoint replaces the one it was tested
    against. Agents are named by spec and told apart by their file's sha256."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    config: str = "{}"  # JSON: the generation loop's settings ({} for promotions alone)
    champion: str  # the champion's spec (`base` or a checkpoint file)
    champion_sha256: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
