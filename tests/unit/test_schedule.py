"""Matchmaking: pairings, interleaving and who plays which team from which side."""

import pytest

from arena.errors import ArenaError
from arena.game.teams import Team, TeamPool
from arena.matchmaking.schedule import build, pairings

POOL = TeamPool(tuple(Team(f"t{k}", f"packed{k}") for k in range(6)))


def test_round_robin_and_gauntlet_pairings():
    assert pairings(["a", "b", "c"], "round-robin", None) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pairings(["a", "b", "c"], "gauntlet", "c") == [("c", "a"), ("c", "b")]
    with pytest.raises(ArenaError, match="needs --candidate"):
        pairings(["a", "b"], "gauntlet", None)
    with pytest.raises(ArenaError, match="is not one of the agents"):
        pairings(["a", "b"], "gauntlet", "z")


def test_schedule_interleaves_pairings_and_shares_teams_per_pair():
    slots = build([("a", "b"), ("a", "c")], 4, POOL, seed=9)
    assert [(s.pairing, s.pair_index, s.game) for s in slots[:4]] == [
        ("a vs b", 0, 0),
        ("a vs b", 0, 1),
        ("a vs c", 0, 0),
        ("a vs c", 0, 1),
    ]
    assert len(slots) == 8 and len({s.key for s in slots}) == 8
    assert slots[0].teams == slots[2].teams  # pair k uses the same teams in every pairing
    assert build([("a", "b")], 4, POOL, seed=9) == build([("a", "b")], 4, POOL, seed=9)


def test_each_agent_plays_both_teams_once_from_each_side():
    first, second = build([("a", "b")], 2, POOL, seed=1)
    x, y = first.teams
    assert first.seating() == (("a", x), ("b", y))
    assert second.seating() == (("b", x), ("a", y))
