"""Where arena's log records go, decided once per command at the command line.

A traceback printed to the terminal would tear through a live view, so a command with a
store in a file logs to a file beside it (`arena.db` → `arena.log`); without one,
records go to stderr through rich, which prints them above a live view, not over it.
"""

import logging
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

from arena.errors import ArenaError

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str, console: Console) -> None:
    """The root logger at `level`, printing through `console` until a store is opened."""
    if level.lower() not in LEVELS:
        raise ArenaError(f"--log-level {level!r}: use one of {', '.join(LEVELS)}")
    root = logging.getLogger()
    root.setLevel(level.upper())
    _use(RichHandler(console=console, show_path=False))
    logging.captureWarnings(True)


def settings() -> tuple[int, str | None]:
    """The level and the log file (None: stderr) this process uses, for a worker."""
    root = logging.getLogger()
    files = [h.baseFilename for h in root.handlers if isinstance(h, logging.FileHandler)]
    return root.level, files[0] if files else None


def follow(level: int, file: str | None) -> None:
    """A worker process logs where its parent does, at the same level."""
    logging.getLogger().setLevel(level)
    handler = logging.FileHandler(file, encoding="utf-8") if file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    _use(handler)


def beside_store(url: str) -> Path | None:
    """Sends records to a file beside the store when the store is a SQLite file; the
    path of that file, or None when records stay on stderr. The file is made by the
    first record, so a command that logs nothing leaves none."""
    from sqlalchemy.engine import make_url  # here: every command imports this module
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:  # the store itself says what is wrong with it, in one line
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).with_suffix(".log")
    if path == Path(parsed.database):  # a store named *.log: never append to the store
        path = Path(f"{parsed.database}.log")
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    _use(handler)
    return path


def _use(handler: logging.Handler) -> None:
    root = logging.getLogger()
    for old in root.handlers:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
