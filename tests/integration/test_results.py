"""The store's SQL adds up tournament battles exactly as Python adds up the same rows."""

import importlib.util
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, text, update

from arena.report.leaderboard import standings, stored_standings
from arena.report.matrix import matrix_rows, stored_matrix
from arena.store.database import Store
from arena.store.results import read, tally
from arena.store.tables import Battle
from tests.conftest import REPO


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_web", REPO / "scripts" / "bench_web.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _odd_games(store: Store, tournament: int) -> None:
    """What a real store also holds: a game cut by the time limit, a forfeit, an agent
    against itself, a pair with one game, a ladder game, and battles finishing in an
    order their ids do not follow."""
    played = sorted(b.id for b in store.battles([tournament]))
    first = store.battle(played[0])
    row = {c.name: getattr(first, c.name) for c in Battle.__table__.columns if c.name != "id"}
    p1, p2 = first.p1_agent_id, first.p2_agent_id
    name = store.agent_names()[p1]
    odd = [
        {"winner": None, "end_reason": "time limit: over 600 s", "pair_index": 900},
        {"winner": 1, "end_reason": f"forfeit: {name} failed 3 decisions", "pair_index": 901},
        {"winner": 0, "p2_agent_id": p1, "pairing": "self", "pair_index": 902},
        {"winner": None, "end_reason": "tie", "pair_index": 903, "game": 1},
        {"winner": 0, "p1_agent_id": p2, "p2_agent_id": p1, "pair_index": 904},
        {"tournament_id": None, "ladder": "local", "username": "me", "pair_index": 905},
    ]
    with store.engine.begin() as connection:
        connection.execute(insert(Battle), [row | change for change in odd])
        early = datetime(2000, 1, 1, tzinfo=UTC)
        for index in (7, 3, 11):  # finished long before the ids say
            connection.execute(
                update(Battle)
                .where(Battle.id == played[index])
                .values(finished_at=early + timedelta(seconds=index))
            )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('results') / 'arena.db'}"
    bench = _bench_module()
    tournament = bench.build_store(url, 400, 5, seed=2)
    store = Store.open(url)
    _odd_games(store, tournament)
    return store, tournament


def test_postgresql_adds_up_the_same(store, postgres_url):
    """The same battles in a PostgreSQL database of its own (the server is shared)."""
    sqlite, first = store
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS arena_results"))
        connection.execute(text("CREATE DATABASE arena_results"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/arena_results"
    tournament = _bench_module().build_store(url, 400, 5, seed=2)
    other = Store.open(url)
    _odd_games(other, tournament)
    summed = read(other, [tournament])
    assert summed == tally(other.battles([tournament]), other.agent_names())
    assert summed == read(sqlite, [first])


def test_sql_sums_are_the_python_sums(store):
    store, tournament = store
    names = store.agent_names()
    for ids in ([tournament], None):
        summed, counted = read(store, ids), tally(store.battles(ids), names)
        assert summed.tallies == counted.tallies
        assert summed.pairs == counted.pairs
        assert summed.units == counted.units  # same kinds, first seen in the same order
        assert summed.games == counted.games  # in finish order, not id order
    assert sum(t.time_limited for t in summed.tallies.values()) == 2
    assert sum(t.forfeits for t in summed.tallies.values()) == 1
    assert sum(t.games for t in summed.tallies.values()) == 2 * (400 + 4)  # no mirror


def test_stored_reports_are_the_reports_of_the_loaded_battles(store):
    store, tournament = store
    battles, names = store.battles([tournament]), store.agent_names()
    assert stored_standings(store, [tournament]) == standings(battles, names)
    assert stored_matrix(store, [tournament]) == matrix_rows(battles, names)
