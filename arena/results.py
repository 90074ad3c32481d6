"""What a set of tournament battles adds up to: the counts every report is computed from.

Rating a store of 100,000 battles must not mean loading 100,000 rows into Python: each
count the leaderboard and the win-rate matrix need is a sum (per agent, per ordered pair
of agents, per kind of side-swapped pair), so `read` has the store's SQL add them up, and
only TrueSkill, which moves game by game, reads a sequence: two agent ids and a winner
per rated game. `tally` adds up battles already in memory the same way, so a report over
either cannot tell them apart.

A game ended by its wall-clock limit is counted apart (`time_limited`), never rated, and a
game of an agent against itself (self-play) is left out of everything.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, and_, case, cast, func, not_, or_, select

from arena.store import Battle, Store

TIME_LIMIT = "time limit"  # the end reason's prefix of a game cut by the wall clock
FORFEIT = "forfeit: "  # followed by the forfeiting agent's name and a space
_CODE_SPAN = 1 << 24  # agent ids stay below this, so (low, high, score) fits one integer
Game = tuple[str, str, float]  # agent, opponent, agent's score (1 win, 0.5 tie, 0 loss)


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
    units: dict[tuple, list[Game]] = defaultdict(list)
    for b in battles:
        if mirror(b):
            continue
        pair = (names[b.p1_agent_id], names[b.p2_agent_id])
        for side, name in enumerate(pair):
            t = results.tallies[name]
            prefix = f"p{side + 1}_"
            t.games += 1
            t.turns += b.turns
            for counter in ("decisions", "invalid", "timeouts", "errors"):
                setattr(t, counter, getattr(t, counter) + getattr(b, prefix + counter))
            t.forfeits += b.end_reason.startswith(f"{FORFEIT}{name} ")
            count_result(t, b, side)
        if rated(b):
            game = (*pair, score(b.winner))
            results.games.append(game)
            results.add_pair(*game)
            units[(b.tournament_id, b.pairing, b.pair_index)].append(game)
    kinds: dict[tuple[Game, ...], int] = defaultdict(int)
    for unit in units.values():
        kinds[_kind(unit)] += 1
    results.units = list(kinds.items())
    results.tallies = dict(results.tallies)
    return results


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
    """The results of the named tournaments' battles (every tournament's when None),
    added up by the store."""
    names = store.agent_names()
    scope = [Battle.ladder.is_(None)]
    if tournament_ids is not None:
        scope.append(Battle.tournament_id.in_(list(tournament_ids)))
    timed = func.substr(Battle.end_reason, 1, len(TIME_LIMIT)) == TIME_LIMIT
    played = and_(*scope, Battle.p1_agent_id != Battle.p2_agent_id)
    counted = and_(played, not_(timed))
    results = Results()
    with store.session() as session:
        connection = session.connection()
        for side in (0, 1):
            _read_tallies(connection, results, names, side, played, timed)
        _read_forfeits(connection, results, names, played)
        query = (
            select(Battle.p1_agent_id, Battle.p2_agent_id, Battle.winner, func.count())
            .where(counted)
            .group_by(Battle.p1_agent_id, Battle.p2_agent_id, Battle.winner)
        )
        for p1, p2, winner, count in connection.execute(query):
            results.add_pair(names[p1], names[p2], score(winner), count)
        results.units = _read_units(connection, names, counted)
        query = (
            select(Battle.p1_agent_id, Battle.p2_agent_id, Battle.winner)
            .where(counted)
            .order_by(Battle.finished_at, Battle.id)
        )
        results.games = [
            (names[p1], names[p2], score(winner)) for p1, p2, winner in connection.execute(query)
        ]
    results.tallies = dict(sorted(results.tallies.items()))
    return results


def _read_tallies(connection, results: Results, names, side: int, played, timed) -> None:
    """Adds each agent's games from one side to its tally."""
    column = (Battle.p1_agent_id, Battle.p2_agent_id)[side]
    prefix = f"p{side + 1}_"

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            column,
            func.count(),
            func.sum(Battle.turns),
            *(func.sum(getattr(Battle, prefix + c)) for c in ("decisions", "invalid")),
            *(func.sum(getattr(Battle, prefix + c)) for c in ("timeouts", "errors")),
            count(timed),
            count(and_(not_(timed), Battle.winner == side)),
            count(and_(not_(timed), Battle.winner == 1 - side)),
            count(and_(not_(timed), Battle.winner.is_(None))),
        )
        .where(played)
        .group_by(column)
    )
    for agent_id, *sums in connection.execute(query):
        t = results.tallies.setdefault(names[agent_id], Tally())
        games, turns, decisions, invalid, timeouts, errors, timed_out, won, lost, tied = (
            int(value or 0) for value in sums
        )
        t.games += games
        t.turns += turns
        t.decisions += decisions
        t.invalid += invalid
        t.timeouts += timeouts
        t.errors += errors
        t.time_limited += timed_out
        t.wins += won
        t.losses += lost
        t.ties += tied


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


def _read_units(connection, names, counted) -> list[tuple[tuple[Game, ...], int]]:
    """Kinds of unit and their counts, added up by SQL: each rated game gets a code (its
    agents by id, the lower id's score), each unit the least, greatest and sum of its
    codes (which spell out up to three games), and units are grouped by those."""
    p1, p2 = Battle.p1_agent_id, Battle.p2_agent_id
    low, high = case((p1 < p2, p1), else_=p2), case((p1 < p2, p2), else_=p1)
    lower_won = or_(and_(Battle.winner == 0, p1 < p2), and_(Battle.winner == 1, p2 < p1))
    halves = case((Battle.winner.is_(None), 1), (lower_won, 2), else_=0)  # lower id's score x2
    games = select(
        Battle.tournament_id,
        Battle.pairing,
        Battle.pair_index,
        ((cast(low, BigInteger) * _CODE_SPAN + high) * 3 + halves).label("code"),
        func.row_number().over(order_by=(Battle.finished_at, Battle.id)).label("position"),
    ).where(counted)
    games = games.subquery()
    units = (
        select(
            func.count().label("n"),
            func.min(games.c.code).label("least"),
            func.max(games.c.code).label("greatest"),
            func.sum(games.c.code).label("total"),
            func.min(games.c.position).label("first"),
        )
        .group_by(games.c.tournament_id, games.c.pairing, games.c.pair_index)
        .subquery()
    )
    query = (
        select(units.c.n, units.c.least, units.c.greatest, units.c.total, func.count())
        .group_by(units.c.n, units.c.least, units.c.greatest, units.c.total)
        .order_by(func.min(units.c.first))
    )
    kinds = []
    for n, least, greatest, total, count in connection.execute(query):
        if n > 3:
            raise ValueError(f"a side-swapped pair of {n} games: the store is inconsistent")
        codes = [least, greatest][:n] if n < 3 else [least, int(total) - least - greatest, greatest]
        kinds.append((_kind(_decode(int(code), names) for code in codes), int(count)))
    return kinds


def _decode(code: int, names: dict[int, str]) -> Game:
    rest, halves = divmod(code, 3)
    low, high = divmod(rest, _CODE_SPAN)
    return names[low], names[high], halves / 2
