"""What a set of tournament battles adds up to: the counts every report is computed from.

Rating a store of 100,000 battles must not mean loading 100,000 battles into Python:
every count of the leaderboard and the win-rate matrix is a sum per agent or per ordered
pair of agents, so `read` has the store's SQL add them up in one grouped pass. What
depends on order (TrueSkill moves game by game; the bootstrap's kinds of side-swapped
pair are numbered as they first appear) reads one ordered pass of small columns: the
pair, two agent ids and the winner of each rated game. `tally` adds up battles already
in memory the same way, so a report over either cannot tell them apart.

A game ended by its wall-clock limit is counted apart (`time_limited`), never rated, and a
game of an agent against itself (self-play) is left out of everything.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, not_, select

from arena.kinds import EndReason
from arena.store.database import Store
from arena.store.replays import not_replays
from arena.store.tables import Battle

TIME_LIMIT = EndReason.TIME_LIMIT.value  # the end reason's prefix of a game cut by the clock
FORFEIT = EndReason.FORFEIT.text("")  # followed by the forfeiting agent's name and a space
Game = tuple[str, str, float]  # agent, opponent, agent's score (1 win, 0.5 tie, 0 loss)
_SIDE_COUNTERS = ("decisions", "invalid", "timeouts", "errors")  # per side of a battle


@dataclass
class Tally:
    """One agent's games, results and faults, seen from its side."""

    games: int = 0
    wins: int = 0
    losses: int = 0
    ties: int = 0
    time_limited: int = 0
    turns: int = 0
    decisions: int = 0
    invalid: int = 0
    timeouts: int = 0
    errors: int = 0
    forfeits: int = 0


@dataclass
class Results:
    """Everything the leaderboard and the matrix are computed from, by agent label."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    # (agent, opponent) -> [wins, losses, ties] over rated games, kept both ways
    pairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # each kind of unit (the same rated games with the same results) and how many units
    # are of that kind, in the order the kinds first appear in the finish order
    units: list[tuple[tuple[Game, ...], int]] = field(default_factory=list)
    games: list[Game] = field(default_factory=list)  # rated games in finish order

    def add_pair(self, agent: str, opponent: str, score: float, count: int = 1) -> None:
        for me, other, mine in ((agent, opponent, score), (opponent, agent, 1 - score)):
            cell = self.pairs.setdefault((me, other), [0, 0, 0])
            cell[0 if mine == 1 else 1 if mine == 0 else 2] += count


def mirror(battle: Battle) -> bool:
    """An agent against itself (self-play): data for training, no evidence of strength."""
    return battle.p1_agent_id == battle.p2_agent_id


def rated(battle: Battle) -> bool:
    return not battle.end_reason.startswith(TIME_LIMIT) and not mirror(battle)


def score(winner: int | None) -> float:
    """The first side's score."""
    return 0.5 if winner is None else 1.0 - winner


def tally(battles: Iterable[Battle], names: dict[int, str]) -> Results:
    """The results of battles already in memory, in the order they finished."""
    results = Results(tallies=defaultdict(Tally))
    games = []
    for b in battles:
        if mirror(b):
            continue
        pair = (names[b.p1_agent_id], names[b.p2_agent_id])
        for side, name in enumerate(pair):
            t = results.tallies[name]
            prefix = f"p{side + 1}_"
            t.games += 1
            t.turns += b.turns
            for counter in _SIDE_COUNTERS:
                setattr(t, counter, getattr(t, counter) + getattr(b, prefix + counter))
            t.forfeits += b.end_reason.startswith(f"{FORFEIT}{name} ")
            count_result(t, b, side)
        if rated(b):
            results.add_pair(*pair, score(b.winner))
            games.append(((b.tournament_id, b.pairing, b.pair_index), *pair, score(b.winner)))
    _sequence(results, games)
    results.tallies = dict(results.tallies)
    return results


def _sequence(results: Results, games: Iterable[tuple[tuple, str, str, float]]) -> None:
    """The rated games in finish order, each with its unit, and the kinds of unit they
    make (a kind is placed where its first game is)."""
    units: dict[tuple, list[Game]] = defaultdict(list)
    for unit, a, b, s in games:
        game = (a, b, s)
        results.games.append(game)
        units[unit].append(game)
    kinds: dict[tuple[Game, ...], int] = defaultdict(int)
    for unit in units.values():
        kinds[_kind(unit)] += 1
    results.units = list(kinds.items())


def count_result(row, battle: Battle, side: int) -> None:
    """Adds the battle to `row`'s wins, losses, ties or games without a result, seen
    from `side`."""
    if not rated(battle):
        row.time_limited += 1
    elif battle.winner is None:
        row.ties += 1
    elif battle.winner == side:
        row.wins += 1
    else:
        row.losses += 1


def _kind(unit: Iterable[Game]) -> tuple[Game, ...]:
    """A unit's games written one way (each game from its alphabetically first agent's
    side, games sorted), so units with the same games and results are one kind."""
    return tuple(sorted((a, b, s) if a < b else (b, a, 1 - s) for a, b, s in unit))


def read(store: Store, tournament_ids: list[int] | None) -> Results:
    """The results of the named tournaments' battles (every tournament's when None,
    imported replays left out), added up by the store."""
    names = store.agent_names()
    scope = [Battle.ladder.is_(None)]
    if tournament_ids is not None:
        scope.append(Battle.tournament_id.in_(list(tournament_ids)))
    else:
        scope.append(not_replays())
    timed = func.substr(Battle.end_reason, 1, len(TIME_LIMIT)) == TIME_LIMIT
    played = and_(*scope, Battle.p1_agent_id != Battle.p2_agent_id)
    counted = and_(played, not_(timed))
    results = Results()
    with store.session() as session:
        connection = session.connection()
        _read_counts(connection, results, names, played, timed)
        _read_forfeits(connection, results, names, played)
        query = (
            select(
                Battle.tournament_id,
                Battle.pairing,
                Battle.pair_index,
                Battle.p1_agent_id,
                Battle.p2_agent_id,
                Battle.winner,
            )
            .where(counted)
            .order_by(Battle.finished_at, Battle.id)
        )
        _sequence(
            results,
            (
                ((t, p, i), names[a], names[b], score(w))
                for t, p, i, a, b, w in connection.execute(query)
            ),
        )
    return results


def _read_counts(connection, results: Results, names, played, timed) -> None:
    """Each agent's tally and each pair's results, from one pass grouped by the two
    agents, the winner and whether the wall clock ended the game."""
    cut = case((timed, 1), else_=0)
    query = (
        select(
            Battle.p1_agent_id,
            Battle.p2_agent_id,
            Battle.winner,
            cut,
            func.count(),
            func.sum(Battle.turns),
            *(func.sum(getattr(Battle, f"{p}_{c}")) for p in ("p1", "p2") for c in _SIDE_COUNTERS),
        )
        .where(played)
        .group_by(Battle.p1_agent_id, Battle.p2_agent_id, Battle.winner, cut)
    )
    for p1, p2, winner, was_cut, count, turns, *counters in connection.execute(query):
        for side, agent_id in enumerate((p1, p2)):
            t = results.tallies.setdefault(names[agent_id], Tally())
            t.games += count
            t.turns += int(turns)
            for name, value in zip(_SIDE_COUNTERS, counters[4 * side : 4 * side + 4], strict=True):
                setattr(t, name, getattr(t, name) + int(value))
            if was_cut:
                t.time_limited += count
            elif winner is None:
                t.ties += count
            elif winner == side:
                t.wins += count
            else:
                t.losses += count
        if not was_cut:
            results.add_pair(names[p1], names[p2], score(winner), count)


def _read_forfeits(connection, results: Results, names, played) -> None:
    """Forfeits, read per distinct end reason (few): the reason names who forfeited."""
    query = (
        select(Battle.p1_agent_id, Battle.p2_agent_id, Battle.end_reason, func.count())
        .where(played, Battle.end_reason.startswith(FORFEIT.rstrip()))
        .group_by(Battle.p1_agent_id, Battle.p2_agent_id, Battle.end_reason)
    )
    for p1, p2, reason, count in connection.execute(query):
        for agent_id in (p1, p2):
            if reason.startswith(f"{FORFEIT}{names[agent_id]} "):
                results.tallies[names[agent_id]].forfeits += count
