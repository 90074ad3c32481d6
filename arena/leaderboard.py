"""The leaderboard: per-agent standings computed from the stored battles.

Everything is recomputed from the store (TrueSkill replayed in finish order,
Bradley–Terry over the whole history), so a report never disagrees with the battles it
summarises. Games ended by their wall-clock limit are listed but not rated; games of an
agent against itself (self-play mirrors) are left out, as they carry no rating information.
"""

from collections import defaultdict
from dataclasses import dataclass, fields

from arena.ratings import LiveRatings, bradley_terry
from arena.stats import Outcome, wilson
from arena.store import Battle


@dataclass
class Standing:
    rank: int
    agent: str
    games: int
    wins: int
    losses: int
    ties: int
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


def mirror(battle: Battle) -> bool:
    """An agent against itself (self-play): data for training, no evidence of strength."""
    return battle.p1_agent_id == battle.p2_agent_id


def rated(battle: Battle) -> bool:
    return not battle.end_reason.startswith("time limit") and not mirror(battle)


def outcomes(battles: list[Battle], names: dict[int, str]) -> list[Outcome]:
    """Rated results, each game tagged with its side-swapped pair as the unit."""
    result = []
    for b in battles:
        if not rated(b):
            continue
        score = 0.5 if b.winner is None else 1.0 - b.winner
        unit = (b.tournament_id, b.pairing, b.pair_index)
        result.append(Outcome(names[b.p1_agent_id], names[b.p2_agent_id], score, unit))
    return result


@dataclass
class _Tally:
    games: int = 0
    wins: int = 0
    losses: int = 0
    ties: int = 0
    turns: int = 0
    decisions: int = 0
    invalid: int = 0
    timeouts: int = 0
    errors: int = 0
    forfeits: int = 0


def _tallies(battles: list[Battle], names: dict[int, str]) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for b in battles:
        if mirror(b):
            continue
        for side, agent_id in ((0, b.p1_agent_id), (1, b.p2_agent_id)):
            name = names[agent_id]
            tally = tallies[name]
            prefix = f"p{side + 1}_"
            tally.games += 1
            tally.turns += b.turns
            for counter in ("decisions", "invalid", "timeouts", "errors"):
                setattr(tally, counter, getattr(tally, counter) + getattr(b, prefix + counter))
            tally.forfeits += b.end_reason.startswith(f"forfeit: {name} ")
            _count_result(tally, b, side)
    return tallies


def _count_result(row, battle: Battle, side: int) -> None:
    """Adds the battle to `row`'s wins, losses or ties, seen from `side`."""
    if battle.winner is None:
        row.ties += 1
    elif battle.winner == side:
        row.wins += 1
    else:
        row.losses += 1


def standings(
    battles: list[Battle], names: dict[int, str], bootstrap: int = 1000, seed: int = 0
) -> list[Standing]:
    """One row per agent, ranked by TrueSkill's conservative estimate mu - 3 sigma."""
    results = outcomes(battles, names)
    live = LiveRatings()
    for outcome in results:
        live.update(outcome)
    trueskill = {row.name: row for row in live.table()}
    elo = bradley_terry(results, bootstrap=bootstrap, seed=seed) if results else {}
    rows = []
    for name, t in _tallies(battles, names).items():
        low, high = wilson(t.wins + t.ties / 2, t.games)
        ts, bt = trueskill.get(name), elo.get(name)
        rows.append(
            Standing(
                rank=0,
                agent=name,
                games=t.games,
                wins=t.wins,
                losses=t.losses,
                ties=t.ties,
                win_rate=(t.wins + t.ties / 2) / t.games,
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
    rows.sort(key=lambda r: r.trueskill_conservative, reverse=True)
    for rank, row in enumerate(rows, 1):
        row.rank = rank
    return rows


LADDER_OPPONENT = "ladder-opponent"  # the kind of agent rows for people met on a ladder


@dataclass
class LadderStanding:
    server: str
    agent: str
    games: int
    wins: int
    losses: int
    ties: int
    rating_first: float | None
    rating_last: float | None
    rating_peak: float | None
    trajectory: str  # the ratings after each game, oldest first


LADDER_COLUMNS = [f.name for f in fields(LadderStanding)]


def ladder_standings(
    battles: list[Battle], kinds: dict[int, tuple[str, str]]
) -> list[LadderStanding]:
    """Per server and agent: ladder record and the rating trajectory the server reported.

    `kinds` maps agent ids to (name, kind); the side that is not a ladder opponent is
    arena's agent.
    """
    rows: dict[tuple[str, str], LadderStanding] = {}
    ratings: dict[tuple[str, str], list[float]] = defaultdict(list)
    for b in battles:
        side = 0 if kinds[b.p1_agent_id][1] != LADDER_OPPONENT else 1
        name = kinds[(b.p1_agent_id, b.p2_agent_id)[side]][0]
        key = (b.ladder, name)
        row = rows.setdefault(key, LadderStanding(b.ladder, name, 0, 0, 0, 0, None, None, None, ""))
        row.games += 1
        _count_result(row, b, side)
        if b.rating_after is not None:
            if not ratings[key]:
                row.rating_first = b.rating_before
            ratings[key].append(b.rating_after)
    for key, row in rows.items():
        if ratings[key]:
            row.rating_last, row.rating_peak = ratings[key][-1], max(ratings[key])
            row.trajectory = " ".join(f"{r:.0f}" for r in ratings[key])
    return sorted(rows.values(), key=lambda r: (r.server, -(r.rating_last or 0)))
