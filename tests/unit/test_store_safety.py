"""The store is opened only through SQLite and reading never writes: a missing, older,
current or empty store is read as it is, and one at another revision is refused."""

import os
import shutil
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from arena.cli import app
from arena.store import migrations
from arena.store.database import Store
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "data" / "main-6c24063" / "arena.db"


READERS = (
    ("leaderboard",),
    ("matrix",),
    ("battles",),
    ("replay", "1"),
    ("lineage",),
    ("db", "current"),
    ("web", "--port", "0"),
)


def arena(*args: str):
    """An arena command run in this process, as a user types it."""
    return CliRunner().invoke(app, list(args))


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, (result.exit_code, result.stderr)
    assert "Traceback" not in result.output
    return lines[0]


def _files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_no_code_opens_a_store_file_but_sqlite(tmp_path, monkeypatch):
    """A store is made, migrated and opened read-only without a Python file object on it."""
    path = tmp_path / "arena.db"
    shutil.copyfile(FIXTURE, path)
    opened = []
    real_open = open

    def watching(file, *args, **kwargs):
        opened.append(os.path.abspath(file) if isinstance(file, str | os.PathLike) else file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", watching)
    Store.open(f"sqlite:///{path}")
    Store.open(f"sqlite:///{path}", readonly=True)
    Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    assert not {str(path), str(tmp_path / "new.db")} & set(opened)


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_reading_a_missing_store_creates_nothing(command, tmp_path):
    line = one_line(arena(*command, "--db", f"sqlite:///{tmp_path / 'none.db'}"))
    assert line == f"arena: no store at {tmp_path / 'none.db'}: pass --db with an existing store"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_reading_an_older_store_leaves_it_as_it_was(command, tmp_path):
    shutil.copyfile(FIXTURE, tmp_path / "arena.db")
    result = arena(*command, "--db", f"sqlite:///{tmp_path / 'arena.db'}")
    if command == ("db", "current"):
        assert result.exit_code == 0 and "schema 0001" in result.stdout
    else:
        assert "run `arena db upgrade` on it first" in one_line(result)
    assert _files(tmp_path) == {"arena.db": FIXTURE.read_bytes()}


def test_reading_a_current_store_writes_nothing(tmp_path):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    Store.open(db).engine.dispose()
    before = _files(tmp_path)
    assert before.keys() == {"arena.db", "arena.db.lock"}
    for command in (("leaderboard",), ("battles",), ("lineage",), ("db", "current")):
        arena(*command, "--db", db)
    assert _files(tmp_path).items() >= before.items()  # a WAL reader may leave empty -shm
    engine = Store.open(db, readonly=True).engine
    with pytest.raises(OperationalError, match="readonly"), engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE written (x)")


def test_an_empty_store_is_read_as_empty_not_made(tmp_path):
    (tmp_path / "arena.db").touch()
    line = one_line(arena("leaderboard", "--db", f"sqlite:///{tmp_path / 'arena.db'}"))
    assert "is empty: no arena command has written to it" in line
    assert _files(tmp_path) == {"arena.db": b""}


def test_readers_refuse_a_store_at_another_revision(tmp_path):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    Store.open(db).engine.dispose()
    with sqlite3.connect(tmp_path / "arena.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.close()
    result = arena("battles", "--db", db)
    assert one_line(result) == (
        f"arena: the store at {db} has schema 0001, older than this arena's "
        f"{migrations.head()}: run `arena db upgrade` on it first"
    )
