"""The store's schema history: Alembic revisions shipped inside the package.

`upgrade(engine)` brings any store to the newest revision; `Store.open` calls it, so an
older store is upgraded in place the first time a newer arena opens it (announced once on
stderr) and `arena db upgrade` does the same on demand. A store made before migrations
existed (tables but no `alembic_version`) is the schema of revision 0001 and is stamped
as such first. A store at a revision this code does not know is newer than the code:
that is one clear error, never a guess.

Adding a revision (a new table or column):
1. change the SQLModel classes in `arena/store.py`;
2. copy the newest file in `versions/` to `NNNN_what_it_does.py`, set `revision` to the
   next number and `down_revision` to the previous one;
3. write `upgrade()` with `op.*` calls, altering tables inside
   `with op.batch_alter_table(name) as batch:` (SQLite can only alter by rebuilding the
   table; batch mode does that and is a plain ALTER elsewhere), and fill new columns
   from the data already there so nothing is lost;
4. extend `tests/test_migrations.py`: the 6c24063 store must still upgrade and report the
   same. `alembic` with `script_location = arena:migrations` works for autogenerate
   drafts, but the runtime needs no alembic.ini.
"""

import sys

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from arena.errors import ArenaError

BEFORE_MIGRATIONS = "0001"  # the schema of stores made before versioning existed


def config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "arena:migrations")
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

    `label` names the store in the one line announcing an upgrade of existing data.
    """
    before, newest = current(engine), head()
    known = {script.revision for script in ScriptDirectory.from_config(config()).walk_revisions()}
    if before is not None and before not in known:
        raise ArenaError(
            f"the store at {label} has schema revision {before}, newer than this arena "
            f"knows (up to {newest}): upgrade arena to use it"
        )
    if before == newest:
        return before, newest
    if announce and before is not None:
        print(
            f"arena: upgrading the store at {label} from schema {before} to {newest}",
            file=sys.stderr,
        )
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # batch mode rebuilds referenced tables
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        settings = config(connection)
        if before == BEFORE_MIGRATIONS and not _versioned(connection):
            command.stamp(settings, BEFORE_MIGRATIONS)
        command.upgrade(settings, "head")
        connection.commit()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    return before, newest


def _versioned(connection: Connection) -> bool:
    return MigrationContext.configure(connection).get_current_revision() is not None
