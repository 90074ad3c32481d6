"""The store's schema history: a store made by commit 6c24063 (before migrations) is
upgraded in place, keeps every row and reports what that code reported."""

import csv
import re
import sqlite3
import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, text
from sqlmodel import SQLModel

from arena.store import migrations
from arena.store.database import Store
from tests.conftest import run_arena
from tests.unit.test_migrations import FIXTURE

OLD_TABLES = ("agent", "tournament", "battle", "ratingsnapshot")


def _rows(path, table: str, columns: list[str]) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"
        ).fetchall()


def _columns(path, table: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def _csv(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


# Floats are compared to within what machines, BLAS builds and TrueSkill's closed-form
# 1-vs-1 update (1e-13 apart from the factor graph that wrote the fixture) differ by in
# their last digits, far below any change to how a rating or an interval is computed.
REL, ABS = 1e-9, 1e-9


def _same_number(new: str, old: str) -> bool:
    """Integers (counts, ids, turns) exactly; floats to within `REL`/`ABS`."""
    if new == old:
        return True
    floats = not new.lstrip("-").isdigit() and not old.lstrip("-").isdigit()
    return floats and float(new) == pytest.approx(float(old), rel=REL, abs=ABS)


def _same_report(new: str, old: str) -> None:
    """`new` reads as `old`: the same text around the numbers, the same numbers."""
    assert NUMBER.split(new) == NUMBER.split(old)
    pairs = zip(NUMBER.findall(new), NUMBER.findall(old), strict=True)
    assert [(n, o) for n, o in pairs if not _same_number(n, o)] == []


# Columns computed another way since the fixture was recorded: the Bradley–Terry interval
# is a profile-likelihood interval now (a bootstrap then); the rating itself is the same.
RECOMPUTED = ("bt_elo_low", "bt_elo_high")


def _same_where_old(new: list[dict], old: list[dict]) -> None:
    """Every old column of every old row is reported the same (new columns may follow)."""
    assert len(new) == len(old)
    for new_row, old_row in zip(new, old, strict=True):
        kept = [key for key in old_row if key not in RECOMPUTED]
        _same_report(",".join(new_row[key] for key in kept), ",".join(old_row[key] for key in kept))


def test_store_from_before_migrations_is_upgraded_with_nothing_lost(old_store, tmp_path):
    db = f"sqlite:///{old_store}"
    before = {
        table: _rows(FIXTURE / "arena.db", table, _columns(FIXTURE / "arena.db", table))
        for table in OLD_TABLES
    }
    refused = run_arena("leaderboard", "--db", db)  # reading never migrates
    assert refused.returncode == 2 and "run `arena db upgrade` on it first" in refused.stderr
    upgraded = run_arena("db", "upgrade", "--db", db)
    assert upgraded.returncode == 0 and "from schema 0001" in upgraded.stdout, upgraded.stderr
    board = run_arena("leaderboard", "--db", db, "--csv", str(tmp_path / "leaderboard.csv"))
    assert board.returncode == 0, board.stderr
    for table, rows in before.items():
        old_columns = _columns(FIXTURE / "arena.db", table)
        assert _rows(old_store, table, old_columns if table != "agent" else old_columns[:2]) == [
            row if table != "agent" else row[:2] for row in rows
        ]
    _same_where_old(_csv(tmp_path / "leaderboard.csv"), _csv(FIXTURE / "leaderboard.csv"))
    matrix = run_arena("matrix", "--db", db, "--csv", str(tmp_path / "matrix.csv"))
    assert matrix.returncode == 0 and "upgrading" not in matrix.stderr, matrix.stderr
    _same_report((tmp_path / "matrix.csv").read_text(), (FIXTURE / "matrix.csv").read_text())
    ladder = run_arena("leaderboard", "--ladder", "--db", db, "--csv", str(tmp_path / "l.csv"))
    assert ladder.returncode == 0, ladder.stderr
    _same_where_old(_csv(tmp_path / "l.csv"), _csv(FIXTURE / "ladder.csv"))
    battles = run_arena("battles", "--db", db)
    _same_report(battles.stdout, (FIXTURE / "battles.txt").read_text())


def test_db_upgrade_and_current(old_store):
    db = f"sqlite:///{old_store}"
    current = run_arena("db", "current", "--db", db)
    assert current.returncode == 0 and "schema 0001" in current.stdout, current.stdout
    upgraded = run_arena("db", "upgrade", "--db", db)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"from schema 0001 to {migrations.head()}" in upgraded.stdout
    again = run_arena("db", "upgrade", "--db", db)
    assert "nothing to do" in again.stdout


def test_store_newer_than_the_code_is_one_clear_line(old_store):
    db = f"sqlite:///{old_store}"
    Store.open(db)
    with sqlite3.connect(old_store) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    result = run_arena("leaderboard", "--db", db)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"arena: the store at {db} has schema revision 9999, newer than this arena knows "
        f"(up to {migrations.head()}): upgrade arena to use it"
    ]


def test_new_store_starts_at_the_newest_revision_silently(tmp_path):
    db = f"sqlite:///{tmp_path / 'new.db'}"
    result = run_arena("db", "current", "--db", db)
    assert result.returncode == 2 and not (tmp_path / "new.db").exists()  # reading makes none
    Store.open(db)
    fresh = run_arena("battles", "--ladder", "--db", db)
    assert fresh.returncode == 0 and "upgrading" not in fresh.stderr, fresh.stderr
    assert f"schema {migrations.head()}" in run_arena("db", "current", "--db", db).stdout


def test_postgres_store_at_revision_one_is_upgraded(postgres_url, tmp_path):
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS arena_migrations"))
        connection.execute(text("CREATE DATABASE arena_migrations"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/arena_migrations"
    engine = create_engine(url)
    with engine.connect() as connection:
        command.upgrade(migrations.config(connection), migrations.BEFORE_MIGRATIONS)
        connection.commit()
    source = create_engine(f"sqlite:///{FIXTURE / 'arena.db'}")
    old, new = MetaData(), MetaData()
    old.reflect(source)
    new.reflect(engine)
    with source.connect() as reading, engine.begin() as writing:
        for table in OLD_TABLES:
            rows = [dict(row._mapping) for row in reading.execute(old.tables[table].select())]
            writing.execute(new.tables[table].insert(), rows)
    engine.dispose()
    upgraded = run_arena("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0 and "from schema 0001" in upgraded.stdout, upgraded.stderr
    board = run_arena("leaderboard", "--db", url, "--csv", str(tmp_path / "leaderboard.csv"))
    assert board.returncode == 0, board.stderr
    _same_where_old(_csv(tmp_path / "leaderboard.csv"), _csv(FIXTURE / "leaderboard.csv"))
    run_arena("leaderboard", "--ladder", "--db", url, "--csv", str(tmp_path / "l.csv"))
    _same_where_old(_csv(tmp_path / "l.csv"), _csv(FIXTURE / "ladder.csv"))
    store = Store.open(url)
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    assert len(store.all_battles()) == 10 and len(store.ladder_battles()) == 4
    assert all(b.username for b in store.ladder_battles())


@pytest.mark.parametrize("store", ["new", "old"])
def test_processes_opening_one_store_at_once_take_turns(store, old_store, tmp_path):
    path = old_store if store == "old" else tmp_path / "new.db"
    opening = "import sys; from arena.store.database import Store; Store.open(sys.argv[1])"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", opening, f"sqlite:///{path}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, results
    assert sum(stderr.count("upgrading the store") for _, stderr in results) == (
        1 if store == "old" else 0
    )
