"""Starting the dashboard: the store checked before anything listens, loopback by default.

A store that cannot be opened is one clear line at start-up, and a SQLite file that does
not exist is refused rather than created: the dashboard reads, it never makes a store.
"""

import asyncio
import contextlib
import os
import webbrowser
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from arena.errors import ArenaError
from arena.store import DEFAULT_URL, Store, masked
from arena.web.app import allowed_hosts, make_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def open_store(url: str | None) -> Store:
    url = url or os.environ.get("ARENA_DB_URL") or DEFAULT_URL
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ArenaError(f"cannot use the store URL {masked(url)}: {error}") from None
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(file).is_file():
        raise ArenaError(f"no store at {file}: pass --db with an existing store")
    return Store.open(url)


def exposed(host: str) -> bool:
    """Whether `host` lets other machines reach the dashboard."""
    return host not in LOOPBACK


def serve(
    store: Store,
    runs: Path,
    lineages: Callable[[Store], list[dict]],
    host: str,
    port: int,
    open_browser: bool,
    say: Callable[[str], None],
):
    """Serves until interrupted; a port that cannot be bound is one clear line."""
    app = make_app(store, runs, lineages, allowed_hosts(host, port))
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            await runner.cleanup()
            raise ArenaError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        say(f"arena web: serving {url} (Ctrl-C stops)")
        if open_browser:
            webbrowser.open(url)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a user stops it
        asyncio.run(main())
