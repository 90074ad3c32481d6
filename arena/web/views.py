"""What each dashboard page shows, read from the store as plain data.

Every function here is synchronous and only reads: the web app runs them in a thread so
the event loop keeps answering while a large store is read. Numbers come from the same
functions the CLI reports use (`ladder_standings`; a tournament's standings and matrix
through `arena.web.ratings_cache`), so a page and `arena leaderboard --json` cannot
disagree.
"""

import json
from dataclasses import dataclass, fields
from datetime import datetime
from urllib.parse import urlencode

from arena.errors import ArenaError
from arena.kinds import EndReason, TournamentKind
from arena.matchmaking.schedule import pairings
from arena.matchmaking.selfplay import mirror_seat
from arena.rating.sprt import bounds
from arena.report.export import json_rows
from arena.report.leaderboard import ladder_standings
from arena.report.narration import hp_by_turn, narrate
from arena.store.database import Store
from arena.store.tables import Evaluation, Tournament, decompress_log

PAGE_SIZE = 100  # battles per page of a tournament's battle list
RESULTS = ("win", "loss", "tie")  # a battle list's result filter, seen from its agent
ENDS = tuple(EndReason)  # a battle list's end filter


class BadQuery(ValueError):
    """A query parameter the page cannot use: the app answers 400 with this message."""


@dataclass
class TournamentSummary:
    id: int
    name: str
    kind: str
    status: str
    battles: int
    expected: int | None  # scheduled games, when the config tells
    progress: float | None
    battles_per_second: float | None
    eta_seconds: float | None
    created_at: str
    last_battle_at: str | None


@dataclass
class BattleRow:
    id: int
    pairing: str
    pair_index: int
    game: int
    p1: str
    p2: str
    winner: str | None
    turns: int
    end_reason: str
    finished_at: str


BATTLE_COLUMNS = [f.name for f in fields(BattleRow)]


def _matchups(kind: TournamentKind, data: dict) -> int | None:
    """How many pairings a tournament of `kind` schedules; None where the count is not
    fixed in advance (an evaluation stops when its SPRT decides)."""
    agents = list(data["agents"])
    match kind:
        case TournamentKind.EVALUATION:
            return None
        case TournamentKind.SELFPLAY:  # the agent meets its mirror seat and each opponent
            return len([mirror_seat(agents[0]), *agents[1:]])
        case TournamentKind.TOURNAMENT | TournamentKind.EPOCH_GAUNTLET | TournamentKind.PROMOTION:
            return len(pairings(agents, data["mode"], data.get("candidate")))


def _expected(kind: str, config: str) -> int | None:
    """Scheduled games of a stored tournament; None when its kind or config does not tell
    (a kind newer than this code, a config written by hand)."""
    try:
        data = json.loads(config)
        matchups = _matchups(TournamentKind(kind), data)  # ValueError: a kind unknown here
        return None if matchups is None else matchups * int(data["games_per_pair"])
    except (KeyError, TypeError, ValueError, IndexError, ArenaError):
        return None


def kind_label(kind: str) -> str:
    """How a page names a stored kind; a kind newer than this code, as stored."""
    known = TournamentKind.of(kind)
    return kind if known is None else known.label


def _seconds(start: datetime, end: datetime) -> float:
    return (end.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds()


def _summary(t: Tournament, count: int, last: datetime | None) -> TournamentSummary:
    expected = _expected(t.kind, t.config)
    elapsed = _seconds(t.created_at, last) if last else 0.0
    rate = count / elapsed if count and elapsed > 0 else None
    remaining = max(expected - count, 0) if expected is not None else None
    eta = remaining / rate if rate and remaining is not None and t.status == "running" else None
    return TournamentSummary(
        id=t.id,
        name=t.name,
        kind=t.kind,
        status=t.status,
        battles=count,
        expected=expected,
        progress=min(count / expected, 1.0) if expected else None,
        battles_per_second=rate,
        eta_seconds=eta,
        created_at=t.created_at.isoformat(timespec="seconds"),
        last_battle_at=last.isoformat(timespec="seconds") if last else None,
    )


def tournaments(store: Store) -> list[TournamentSummary]:
    """Every tournament, newest first, with its progress through its schedule."""
    counts = store.tournament_progress()
    rows = reversed(store.tournaments())
    return [_summary(t, *counts.get(t.id, (0, None))) for t in rows]


def tournament_summary(store: Store, tournament_id: int) -> TournamentSummary | None:
    t = store.tournament_by_id(tournament_id)
    if t is None:
        return None
    return _summary(t, *store.tournament_progress(tournament_id).get(tournament_id, (0, None)))


def bar_scales(leaderboard: list[dict]) -> dict[str, tuple[float, float]]:
    """The range each column of interval bars is drawn on, so every interval fits:
    Bradley–Terry Elo and its profile-likelihood interval, TrueSkill's μ ± 3σ (the left end
    is the conservative estimate the live view ranks by), win rate on [0, 1]."""
    elo = [v for row in leaderboard for v in (row["bt_elo_low"], row["bt_elo_high"])]
    trueskill = [
        row["trueskill_mu"] + sign * 3 * row["trueskill_sigma"]
        for row in leaderboard
        if row["trueskill_mu"] is not None
        for sign in (-1, 1)
    ]
    return {"elo": _span(elo), "trueskill": _span(trueskill), "win_rate": (0.0, 1.0)}


def _span(values: list[float | None]) -> tuple[float, float]:
    known = [v for v in values if v is not None]
    if not known:
        return 0.0, 1.0
    low, high = min(known), max(known)
    return (low, high) if high > low else (low - 1, high + 1)


@dataclass(frozen=True)
class BattleFilter:
    """A battle list's filters, checked: an unknown value is a 400, never an empty list."""

    agent: str | None = None
    result: str | None = None
    end: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, query, agents: list[str]) -> "BattleFilter":
        agent = query.get("agent") or None
        result = query.get("result") or None
        end = query.get("end") or None
        if agent is not None and agent not in agents:
            raise BadQuery(f"agent {agent!r} did not play in this tournament")
        if result is not None and result not in RESULTS:
            raise BadQuery(f"result must be one of {', '.join(RESULTS)}, got {result!r}")
        if result in ("win", "loss") and agent is None:
            raise BadQuery("result=win or result=loss needs agent=NAME (whose win)")
        if end is not None and end not in ENDS:
            raise BadQuery(f"end must be one of {', '.join(ENDS)}, got {end!r}")
        try:
            page = int(query.get("page", "1"))
        except ValueError:
            raise BadQuery(f"page must be a whole number, got {query.get('page')!r}") from None
        if page < 1:
            raise BadQuery(f"page must be 1 or more, got {page}")
        return cls(agent, result, end, page)

    def query_string(self, **change) -> str:
        values = {"agent": self.agent, "result": self.result, "end": self.end} | change
        return urlencode({k: v for k, v in values.items() if v is not None})


def battle_rows(
    store: Store, tournament_id: int, chosen: BattleFilter, paged: bool = True
) -> tuple[list[BattleRow], int]:
    """The tournament's battles that pass the filter, in the order they finished, and
    how many pass in all."""
    names = store.agent_names()
    ids = None
    if chosen.agent is not None:
        ids = [i for i, name in names.items() if name == chosen.agent]
    window = ((chosen.page - 1) * PAGE_SIZE, PAGE_SIZE) if paged else None
    rows, total = store.filtered_battles(tournament_id, ids, chosen.result, chosen.end, window)
    return [_battle_row(row, names) for row in rows], total


def _battle_row(row, names: dict[int, str]) -> BattleRow:
    p1, p2 = names[row.p1_agent_id], names[row.p2_agent_id]
    return BattleRow(
        id=row.id,
        pairing=row.pairing,
        pair_index=row.pair_index,
        game=row.game,
        p1=p1,
        p2=p2,
        winner=None if row.winner is None else (p1, p2)[row.winner],
        turns=row.turns,
        end_reason=row.end_reason,
        finished_at=row.finished_at.isoformat(timespec="seconds"),
    )


def battle(store: Store, battle_id: int, side: str | None) -> dict | None:
    """One battle told turn by turn from one side's recorded log (default: the first side
    with a log), and its identity; None when there is no such battle."""
    if side not in (None, "p1", "p2"):
        raise BadQuery(f"side must be p1 or p2, got {side!r}")
    b = store.battle(battle_id)
    if b is None:
        return None
    names = store.agent_names()
    logs = {"p1": decompress_log(b.p1_log), "p2": decompress_log(b.p2_log)}
    recorded = [name for name, log in logs.items() if log.strip()]
    side = side or (recorded[0] if recorded else "p1")
    if recorded and side not in recorded:
        raise BadQuery(f"battle {battle_id} has no {side} log: only {recorded[0]}'s was recorded")
    p1, p2 = names[b.p1_agent_id], names[b.p2_agent_id]
    return {
        "id": b.id,
        "tournament_id": b.tournament_id,
        "format": b.format,
        "battle_tag": b.battle_tag,
        "p1": p1,
        "p2": p2,
        "p1_team": b.p1_team,
        "p2_team": b.p2_team,
        "winner": None if b.winner is None else (p1, p2)[b.winner],
        "turns": b.turns,
        "end_reason": b.end_reason,
        "duration": b.duration,
        "ladder": b.ladder,
        "side": side,
        "recorded": recorded,
        "narration": turns(narrate(logs[side]), hp_by_turn(logs[side])),
    }


def raw_log(store: Store, battle_id: int, side: str) -> str | None:
    if side not in ("p1", "p2"):
        raise BadQuery(f"side must be p1 or p2, got {side!r}")
    b = store.battle(battle_id)
    return None if b is None else decompress_log(b.p1_log if side == "p1" else b.p2_log)


def turns(lines: list[str], hp: list[dict[str, float]]) -> list[dict]:
    """Narrated lines split at each `Turn N` header (what happened before turn 1 is turn
    0, the winner's line closes the last turn), each with both teams' HP as it ended."""
    result = [{"turn": 0, "lines": []}]
    for line in lines:
        if line.startswith("Turn ") and line[5:].isdigit():
            result.append({"turn": int(line[5:]), "lines": []})
        else:
            result[-1]["lines"].append(line)
    for index, turn in enumerate(result):
        standing = hp[min(index, len(hp) - 1)] if hp else {}
        turn["teams"] = {
            side: [
                {"name": key.partition(": ")[2], "hp": share}
                for key, share in standing.items()
                if key.startswith(side)
            ]
            for side in ("p1", "p2")
        }
    return result


@dataclass
class AgentRow:
    id: int
    label: str
    name: str
    kind: str
    spec: str
    checkpoint_sha256: str | None
    settings: str
    identity: str
    games: int
    wins: int


AGENT_COLUMNS = [f.name for f in fields(AgentRow)]


def agents(store: Store) -> list[AgentRow]:
    """Every agent's identity and its games and wins across all tournaments and ladders
    (a game against itself counts once, and as no win: `Store.agent_tallies`)."""
    names = store.agent_names()
    games: dict[int, list[int]] = {}
    for agent_id, _, _, count, wins in store.agent_tallies():
        tally = games.setdefault(agent_id, [0, 0])
        tally[0] += count
        tally[1] += wins
    rows = sorted(store.agents(), key=lambda a: a.id)
    return [
        AgentRow(
            a.id,
            names[a.id],
            a.name,
            a.kind,
            a.spec,
            a.checkpoint_sha256,
            a.settings,
            a.identity,
            *games.get(a.id, (0, 0)),
        )
        for a in rows
    ]


def agent_results(store: Store, agent_id: int) -> list[dict]:
    """An agent's games and wins per tournament (ladder games under their server)."""
    titles = {t.id: t for t in store.tournaments()}
    rows = [
        {
            "tournament_id": tournament_id,
            "tournament": titles[tournament_id].name if tournament_id in titles else None,
            "kind": kind_label(titles[tournament_id].kind) if tournament_id in titles else None,
            "ladder": ladder,
            "games": count,
            "wins": wins,
        }
        for _, tournament_id, ladder, count, wins in store.agent_tallies(agent_id)
    ]
    return sorted(rows, key=lambda row: (row["tournament_id"] or 0, row["ladder"] or ""))


def ladder(store: Store) -> dict:
    """Per server and account: record and rating trajectory; the latest games."""
    names = store.agent_names()
    kinds = {agent.id: (names[agent.id], agent.kind) for agent in store.agents()}
    battles = store.ladder_battles()
    recent = [
        {**json_rows([_battle_row(b, names)])[0], "server": b.ladder} for b in battles[-50:][::-1]
    ]
    return {"standings": json_rows(ladder_standings(battles, kinds)), "recent": recent}


def evaluations(store: Store) -> list[dict]:
    return [_evaluation(e) for e in store.evaluations_newest_first()]


def evaluation(store: Store, evaluation_id: int) -> dict | None:
    e = store.evaluation_by_id(evaluation_id)
    return None if e is None else _evaluation(e)


def _evaluation(e: Evaluation) -> dict:
    config = json.loads(e.config)
    lower, upper = bounds(config["alpha"], config["beta"])
    return {
        "id": e.id,
        "name": e.name,
        "tournament_id": e.tournament_id,
        "status": e.status,
        "verdict": e.verdict,
        "pairs": e.pairs,
        "llr": e.llr,
        "lower": lower,
        "upper": upper,
        "elo0": config.get("elo0"),
        "elo1": config.get("elo1"),
        "pentanomial": json.loads(e.pentanomial),
        "trajectory": json.loads(e.trajectory),
        "report": json.loads(e.report) if e.report else None,
        "updated_at": e.updated_at.isoformat(timespec="seconds"),
    }


def lineage_trees(rows: list[dict]) -> list[dict]:
    """Each lineage as a tree of checkpoints: a generation hangs under the champion it was
    trained from, and only a promoted one has children of its own."""
    by_lineage: dict[str, list[dict]] = {}
    for row in rows:
        by_lineage.setdefault(row["lineage"], []).append(row)
    return [
        {"name": name, "root": _node(generations[0]["parent"], None, generations)}
        for name, generations in by_lineage.items()
    ]


def _node(name: str, row: dict | None, rest: list[dict]) -> dict:
    promoted = row is None or row["verdict"] == "PROMOTE"
    children = [g for g in rest if g["parent"] == name] if promoted else []
    rest = [g for g in rest if all(g is not child for child in children)]  # each shown once
    return {
        "name": name,
        "row": row,
        "children": [
            _node(g["checkpoint"] or f"generation {g['generation']}", g, rest) for g in children
        ],
    }
