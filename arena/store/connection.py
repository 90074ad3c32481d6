"""Opening a store's database: URLs, engines, and what SQLite is told about the file.

A SQLite file is looked at through SQLite before anything writes to it, and never opened
otherwise (on POSIX, closing any descriptor of a file drops every lock the process holds
on it, SQLite's own included). Read-only engines cannot write, not even a journal mode.
"""

import os
from urllib.parse import quote

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import create_engine

from arena.errors import ArenaError

DEFAULT_URL = "sqlite:///arena.db"
ARENA_MARKS = {"alembic_version", "agent"}  # a SQLite file with tables but neither: not arena's


def masked(url: str) -> str:
    """The URL as it may be shown: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_pragmas(engine: Engine, readonly: bool) -> None:
    """WAL and foreign keys for a store arena writes; a read-only one gets no pragma that
    writes (a switch to WAL rewrites the file's header)."""

    @event.listens_for(engine, "connect")
    def _on_connect(connection, _record):
        cursor = connection.cursor()
        if readonly:
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def url_of(url: str | None) -> str:
    """The store a command means: `url`, else `$ARENA_DB_URL`, else ./arena.db."""
    return url or os.environ.get("ARENA_DB_URL") or DEFAULT_URL


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names; None for another database or an in-memory one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def connect(url: str | None = None, readonly: bool = False) -> tuple[Engine, str]:
    """An engine on the store at `url` (see `url_of`), checked to be reachable, and the
    URL as it may be shown.

    `readonly`: the engine cannot write (a SQLite file opened with `mode=ro`, a PostgreSQL
    session whose transactions are read-only) and a SQLite file that does not exist is
    refused, not created. A SQLite file is looked at through SQLite before anything
    writes to it: a file that is not SQLite, another application's database or a file
    arena may not write to is refused in one line and left as it was.
    """
    url = url_of(url)
    label = masked(url)
    file = sqlite_file(url)
    if file is not None:
        engine = _sqlite_engine(file, label, readonly)
    else:
        engine = _engine(url, label, readonly)
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        raise ArenaError(f"cannot open the store at {label}: {_reason(error)}") from None
    return engine, label


def _engine(url: str, label: str, readonly: bool) -> Engine:
    try:
        engine = create_engine(url)
        if readonly and engine.dialect.name == "postgresql":
            engine.dispose()
            options = "-c default_transaction_read_only=on"
            engine = create_engine(url, connect_args={"options": options})
    except (ArgumentError, ImportError) as error:
        raise ArenaError(f"cannot use the store URL {label}: {error}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine, readonly)
    return engine


def _sqlite_engine(file: str, label: str, readonly: bool) -> Engine:
    """An engine on a SQLite store file, after SQLite itself has said what the file is.

    Never `open()` a store's file: on POSIX, closing any descriptor of a file drops every
    lock the process holds on it, SQLite's own included, and a store written without them
    loses committed battles when another process checkpoints and deletes the WAL.
    """
    if not os.path.exists(file):
        if readonly:
            raise ArenaError(f"no store at {file}: pass --db with an existing store")
        return _engine(f"sqlite:///{file}", label, readonly)
    folder = os.path.dirname(os.path.abspath(file))
    if not readonly and not (os.access(file, os.W_OK) and os.access(folder, os.W_OK)):
        raise ArenaError(
            f"the store at {file} is read-only here (file or folder permissions) and this "
            "command writes to it"
        )
    reading = _engine(_readonly_url(file), label, readonly=True)
    try:
        with reading.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    except DBAPIError as error:
        reading.dispose()
        raise ArenaError(f"cannot open the store at {label}: {_reason(error)}") from None
    if tables and not tables & ARENA_MARKS:
        reading.dispose()
        raise ArenaError(
            f"{file} is another application's SQLite database (tables: "
            f"{', '.join(sorted(tables)[:5])}), not an arena store: refused"
        )
    if readonly:
        return reading
    reading.dispose()
    return _engine(f"sqlite:///{file}", label, readonly)


def _readonly_url(file: str) -> str:
    """A SQLite URI that opens `file` read-only: SQLite never writes to it, not even a
    journal mode."""
    return f"sqlite:///file:{quote(os.path.abspath(file))}?mode=ro&uri=true"


def _reason(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else "unreachable"
