"""The store's schema history: Alembic revisions shipped inside the package.

`upgrade(engine)` brings any store to the newest revision; `Store.open` calls it for
every command that writes, so an older store is upgraded in place the first time a newer
arena writes to it (announced once on stderr) and `arena db upgrade` does the same on
demand. A command that only reads never migrates: `check_readable` refuses a store at
another revision in one line. A store made before migrations
existed (tables but no `alembic_version`) is the schema of revision 0001 and is stamped
as such first. A store at a revision this code does not know is newer than the code:
that is one clear error, never a guess.

Adding a revision (a new table or column):
1. change the SQLModel classes in `arena/store/database.py`;
2. copy the newest file in `versions/` to `NNNN_what_it_does.py`, set `revision` to the
   next number and `down_revision` to the previous one;
3. write `upgrade()` with `op.*` calls, altering tables inside
   `with op.batch_alter_table(name) as batch:` (SQLite can only alter by rebuilding the
   table; batch mode does that and is a plain ALTER elsewhere), and fill new columns
   from the data already there so nothing is lost;
4. extend `tests/integration/test_migrations.py`: the 6c24063 store must still upgrade
   and report the same. `alembic` with `script_location = arena.store:migrations` works
   for autogenerate drafts, but the runtime needs no alembic.ini.
"""

import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from arena.errors import ArenaError

BEFORE_MIGRATIONS = "0001"  # the schema of stores made before versioning existed
_LOCK_KEY = 0x6172656E61  # "arena": the advisory lock PostgreSQL migrations hold


def config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "arena.store:migrations")
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The store's revision; `BEFORE_MIGRATIONS` for an unversioned store with tables."""
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None and inspect(connection).has_table("agent"):
            return BEFORE_MIGRATIONS
        return revision


def upgrade(engine: Engine, label: str, announce: bool = True) -> tuple[str | None, str]:
    """Upgrades the store to the newest revision; (revision before, revision now).

    `label` names the store in the one line announcing an upgrade of existing data. Two
    processes opening one new store at once (ladder sessions, workers) take turns: the
    second finds the work done.
    """
    newest = head()
    before = _checked(current(engine), newest, label)
    if before == newest:
        return before, newest
    with _exclusive(engine):
        before = _checked(current(engine), newest, label)
        if before == newest:
            return before, newest
        if announce and before is not None:
            print(
                f"arena: upgrading the store at {label} from schema {before} to {newest}",
                file=sys.stderr,
            )
        _migrate(engine, stamp_first=before == BEFORE_MIGRATIONS)
    return before, newest


def _checked(revision: str | None, newest: str, label: str) -> str | None:
    known = {script.revision for script in ScriptDirectory.from_config(config()).walk_revisions()}
    if revision is not None and revision not in known:
        raise ArenaError(
            f"the store at {label} has schema revision {revision}, newer than this arena "
            f"knows (up to {newest}): upgrade arena to use it"
        )
    return revision


def _migrate(engine: Engine, stamp_first: bool) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # batch mode rebuilds referenced tables
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        settings = config(connection)
        if stamp_first:
            command.stamp(settings, BEFORE_MIGRATIONS)
        command.upgrade(settings, "head")
        connection.commit()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def check_readable(engine: Engine, label: str) -> None:
    """Refuses, in one line, a store a read-only command cannot read as it is: empty, or
    at a revision other than this code's (reading never migrates)."""
    newest = head()
    revision = _checked(current(engine), newest, label)
    if revision is None:
        raise ArenaError(f"the store at {label} is empty: no arena command has written to it")
    if revision != newest:
        raise ArenaError(
            f"the store at {label} has schema {revision}, older than this arena's {newest}: "
            "run `arena db upgrade` on it first"
        )


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """Holds the store's migration lock: an advisory lock on PostgreSQL; on SQLite an flock
    on `STORE.lock` beside the file. Never on the store's file itself: closing any
    descriptor of a file drops every fcntl lock the process holds on it, SQLite's own
    included, and a process left without them can lose committed battles."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_LOCK_KEY})")
            try:
                yield
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_KEY})")
                connection.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
