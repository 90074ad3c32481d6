"""A store a command cannot use is one line (exit 2) with the file left as it was: another
application's database, a file that is not SQLite, one arena may not write, PostgreSQL
readers; and migrating a new store keeps SQLite's locks."""

import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy.exc import InternalError

from arena.store.connection import connect
from arena.store.database import Store
from tests.unit.test_store_safety import READERS, _files, arena, one_line

READ_AND_CLOSE = (  # another process's reader: it opens the WAL, and closing may delete it
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT * FROM agent'); "
    "c.close()"
)


WRITERS = (
    ("db", "upgrade"),
    ("tournament", "--agents", "random,max-power", "--games-per-pair", "2"),
    ("selfplay", "random", "--games", "2"),
)


def test_migrating_a_new_store_keeps_sqlites_locks(tmp_path):
    """Another process closing the store must not take it for unused while this one holds
    it open: if it did, it would checkpoint and delete the WAL this process writes to."""
    path = tmp_path / "arena.db"
    store = Store.open(f"sqlite:///{path}")
    store.create_tournament("t", {})
    with store.engine.connect():
        assert path.with_name("arena.db-wal").exists()
        subprocess.run([sys.executable, "-c", READ_AND_CLOSE, str(path)], check=True)
        assert path.with_name("arena.db-wal").exists()
    store.create_tournament("u", {})
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM tournament").fetchone() == (2,)


@pytest.mark.parametrize("command", READERS + WRITERS, ids=" ".join)
def test_another_applications_database_is_refused_untouched(command, tmp_path):
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE note (body TEXT)")
        other.execute("INSERT INTO note VALUES ('mine')")
    other.close()
    before = _files(tmp_path)
    line = one_line(arena(*command, "--db", f"sqlite:///{path}"))
    assert "another application's SQLite database (tables: note), not an arena store" in line
    assert _files(tmp_path) == before


@pytest.mark.parametrize("command", (("battles",), ("db", "current"), *WRITERS), ids=" ".join)
def test_a_file_that_is_not_sqlite_is_one_line(command, tmp_path):
    path = tmp_path / "arena.db"
    path.write_bytes(b"results: none of them SQLite\n" * 100)
    line = one_line(arena(*command, "--db", f"sqlite:///{path}"))
    assert line.endswith("file is not a database")
    assert _files(tmp_path) == {"arena.db": b"results: none of them SQLite\n" * 100}


@pytest.mark.parametrize("command", WRITERS, ids=" ".join)
def test_a_store_arena_may_not_write_is_one_line(command, tmp_path, monkeypatch):
    """Permissions are honoured as the kernel would: root writes anywhere, so for root the
    permission check sees the file's mode bits."""
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    Store.open(db).engine.dispose()
    (tmp_path / "arena.db").chmod(0o444)
    if os.geteuid() == 0:
        monkeypatch.setattr(
            "arena.store.connection.os.access",
            lambda path, mode: os.stat(path).st_mode & 0o200 != 0,
        )
    before = _files(tmp_path)
    line = one_line(arena(*command, "--db", db))
    assert "is read-only here (file or folder permissions)" in line
    assert _files(tmp_path) == before


def test_postgresql_readers_cannot_write(postgres_url):
    engine, _ = connect(postgres_url, readonly=True)
    with pytest.raises(InternalError, match="read-only transaction"), engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE written (x int)")
    engine.dispose()
