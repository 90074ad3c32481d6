"""The leaderboard: per-agent standings computed from the stored battles.

Everything is recomputed from the store (TrueSkill replayed in finish order,
Bradley–Terry over the whole history), so a report never disagrees with the battles it
summarises. The final order is Bradley–Terry's (it does not depend on the order games
finished in); TrueSkill's conservative estimate is a column, the live view's ranking.

A game ended by its wall-clock limit has no result: every report counts it apart
(`time_limited`), never as a win, loss or tie, never in a win rate or a rating.
Games of an agent against itself (self-play mirrors) are left out: they carry no
rating information. The counts come from `arena.store.results`, added up by the store's SQL
for a stored tournament, so a report over 100,000 battles loads none of them.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, fields

from arena.rating.glicko import glicko
from arena.rating.live import LiveRatings
from arena.rating.ratings import BTRating, bradley_terry, bradley_terry_units
from arena.rating.stats import Outcome, wilson
from arena.showdown.laddertop import STANDING_FIELDS
from arena.store.database import Store
from arena.store.results import Results, count_result, rated, read, score, tally
from arena.store.tables import LADDER_OPPONENT, Battle


@dataclass
class Standing:
    rank: int
    agent: str
    games: int
    wins: int
    losses: int
    ties: int
    time_limited: int
    win_rate: float
    win_rate_low: float
    win_rate_high: float
    mean_turns: float
    invalid_rate: float
    timeouts: int
    errors: int
    forfeits: int
    trueskill_mu: float
    trueskill_sigma: float
    trueskill_conservative: float
    bt_elo: float
    bt_elo_low: float
    bt_elo_high: float


COLUMNS = [f.name for f in fields(Standing)]


def outcomes(battles: list[Battle], names: dict[int, str]) -> list[Outcome]:
    """Rated results, each game tagged with its side-swapped pair as the unit."""
    result = []
    for b in battles:
        if not rated(b):
            continue
        unit = (b.tournament_id, b.pairing, b.pair_index)
        result.append(Outcome(names[b.p1_agent_id], names[b.p2_agent_id], score(b.winner), unit))
    return result


def standings(battles: list[Battle], names: dict[int, str]) -> list[Standing]:
    """The standings of battles already in memory (`rank` of their `tally`)."""
    return rank(tally(battles, names))


def stored_standings(store: Store, tournament_ids: list[int] | None) -> list[Standing]:
    """The standings of stored tournaments (every one when None), added up by the store."""
    return rank(read(store, tournament_ids))


def rank(results: Results) -> list[Standing]:
    """One row per agent, ranked by Bradley–Terry Elo (agents without a rated game last)."""
    live = LiveRatings()
    for game in results.games:
        live.play(*game)
    trueskill = {row.name: row for row in live.table()}
    elo = bradley_terry_units(results.units)
    rows = []
    for name, t in results.tallies.items():
        decided = t.wins + t.losses + t.ties
        low, high = wilson(t.wins + t.ties / 2, decided)
        ts, bt = trueskill.get(name), elo.get(name)
        rows.append(
            Standing(
                rank=0,
                agent=name,
                games=t.games,
                wins=t.wins,
                losses=t.losses,
                ties=t.ties,
                time_limited=t.time_limited,
                win_rate=(t.wins + t.ties / 2) / decided if decided else float("nan"),
                win_rate_low=low,
                win_rate_high=high,
                mean_turns=t.turns / t.games,
                invalid_rate=t.invalid / t.decisions if t.decisions else 0.0,
                timeouts=t.timeouts,
                errors=t.errors,
                forfeits=t.forfeits,
                trueskill_mu=ts.mu if ts else float("nan"),
                trueskill_sigma=ts.sigma if ts else float("nan"),
                trueskill_conservative=ts.conservative if ts else float("-inf"),
                bt_elo=bt.elo if bt else float("nan"),
                bt_elo_low=bt.low if bt else float("nan"),
                bt_elo_high=bt.high if bt else float("nan"),
            )
        )
    rows.sort(key=_by_bradley_terry)
    for number, row in enumerate(rows, 1):
        row.rank = number
    return rows


def _by_bradley_terry(row: Standing) -> tuple:
    unrated = math.isnan(row.bt_elo)
    return (unrated, 0.0 if unrated else -row.bt_elo, row.agent)


@dataclass
class LadderStanding:
    server: str
    username: str | None  # the account: two accounts are two trajectories, never one
    agent: str
    games: int
    wins: int
    losses: int
    ties: int
    time_limited: int
    rating_first: float | None
    rating_last: float | None
    rating_peak: float | None
    trajectory: str  # the ratings after each game, oldest first
    # the server's own table after the account's latest game (None: not shown there)
    server_elo: float | None = None
    server_glicko: float | None = None
    server_glicko_deviation: float | None = None
    server_gxe: float | None = None
    server_skill: float | None = None
    # arena's full-history Bradley–Terry over every stored rated game of the server
    rated_games: int = 0  # the account's distinct games the server rated
    fh_bt: float = float("nan")
    fh_bt_low: float = float("nan")
    fh_bt_high: float = float("nan")
    eligible: bool = False  # rated_games reaches the board's minimum
    # arena's Glicko-1 over the same games (for a server that does not show its own)
    glicko: float = float("nan")
    glicko_deviation: float = float("nan")
    gxe: float = float("nan")


LADDER_COLUMNS = [f.name for f in fields(LadderStanding)]
ELIGIBLE_GAMES = 250  # PokéAgent Challenge 2025 qualifier: games needed to be ranked


def ladder_standings(
    battles: list[Battle],
    kinds: dict[int, tuple[str, str]],
    min_games: int = ELIGIBLE_GAMES,
    anchors: dict[str, float] | None = None,
) -> list[LadderStanding]:
    """Per server, account and agent: ladder record, the rating trajectory and latest
    table row the server reported, and arena's full-history Bradley–Terry of the account
    (a rating belongs to an account, so accounts are never merged).

    `kinds` maps agent ids to (name, kind); the side that is not a ladder opponent is
    arena's agent. `anchors` (account: rating) shifts each server's Bradley–Terry scale.
    """
    rows: dict[tuple, LadderStanding] = {}
    ratings: dict[tuple, list[float]] = defaultdict(list)
    for b in battles:
        side = 0 if kinds[b.p1_agent_id][1] != LADDER_OPPONENT else 1
        name = kinds[(b.p1_agent_id, b.p2_agent_id)[side]][0]
        key = (b.ladder, b.username, name)
        row = rows.setdefault(
            key, LadderStanding(b.ladder, b.username, name, 0, 0, 0, 0, 0, None, None, None, "")
        )
        row.games += 1
        count_result(row, b, side)
        if b.rating_after is not None:
            if not ratings[key]:
                row.rating_first = b.rating_before
            ratings[key].append(b.rating_after)
        if b.server_elo is not None or b.server_skill is not None:
            for column in SERVER_COLUMNS:
                setattr(row, column, getattr(b, column))
    for key, row in rows.items():
        if ratings[key]:
            row.rating_last, row.rating_peak = ratings[key][-1], max(ratings[key])
            row.trajectory = " ".join(f"{r:.0f}" for r in ratings[key])
    _full_history(rows.values(), battles, kinds, min_games, anchors or {})
    return sorted(rows.values(), key=_by_strength)


SERVER_COLUMNS = tuple(f"server_{name}" for name in STANDING_FIELDS)


def _by_strength(row: LadderStanding) -> tuple:
    unrated = math.isnan(row.fh_bt)
    return (row.server, unrated, 0.0 if unrated else -row.fh_bt, -(row.rating_last or 0))


def ladder_outcomes(
    battles: list[Battle], kinds: dict[int, tuple[str, str]]
) -> dict[str, list[Outcome]]:
    """Per server, every game it rated once (both sides may be arena's and store it),
    between accounts; each game is its own unit (a ladder pairs no sides-swapped games).
    A game is known by its tag and players: a restarted server may use a tag again."""
    seen: set[tuple] = set()
    result: dict[str, list[Outcome]] = defaultdict(list)
    for b in battles:
        accounts = [_account(b, agent_id, kinds) for agent_id in (b.p1_agent_id, b.p2_agent_id)]
        game = (b.ladder, b.battle_tag, *accounts)
        if b.rating_after is None or game in seen:
            continue
        seen.add(game)
        score = 0.5 if b.winner is None else 1.0 - b.winner
        result[b.ladder].append(Outcome(*accounts, score, game))
    return result


def _account(battle: Battle, agent_id: int, kinds: dict[int, tuple[str, str]]) -> str:
    """The ladder account that played a side: a ladder opponent's row is `server:name`."""
    name, kind = kinds[agent_id]
    return name.split(":", 1)[1] if kind == LADDER_OPPONENT else battle.username


def _full_history(rows, battles, kinds, min_games, anchors) -> None:
    """Fills each row's full-history Bradley–Terry with its interval, its eligibility and
    arena's Glicko-1 and GXE."""
    for server, results in ladder_outcomes(battles, kinds).items():
        fit = anchored(bradley_terry(results, anchor=None), anchors)
        games = Counter(name for o in results for name in (o.a, o.b))
        glickos = glicko(results)
        for row in rows:
            if row.server != server or row.username not in fit:
                continue
            rating = fit[row.username]
            row.fh_bt, row.fh_bt_low, row.fh_bt_high = rating.elo, rating.low, rating.high
            mine = glickos[row.username]
            row.glicko, row.glicko_deviation, row.gxe = mine.rating, mine.deviation, mine.gxe
            row.rated_games = games[row.username]
            row.eligible = row.rated_games >= min_games


def anchored(fit: dict[str, BTRating], anchors: dict[str, float]) -> dict[str, BTRating]:
    """Bradley–Terry ratings moved as one so the anchored agents sit, on average, at
    their given ratings (a least-squares shift: the scale has no other origin)."""
    shared = [name for name in anchors if name in fit]
    if not shared:
        return fit
    shift = sum(anchors[name] - fit[name].elo for name in shared) / len(shared)
    return {name: BTRating(r.elo + shift, r.low + shift, r.high + shift) for name, r in fit.items()}
