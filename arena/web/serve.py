"""Starting the dashboard: the store checked before anything listens, loopback by default.

The store is opened read-only (`Store.open(..., readonly=True)`) before anything listens:
one that cannot be read is one clear line at start-up, and a SQLite file that does not
exist is refused rather than created: the dashboard reads, it never makes a store. With
play enabled it is opened for writing, as any command that plays games opens it.
"""

import asyncio
import contextlib
import webbrowser
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from arena.errors import ArenaError
from arena.store.database import Store
from arena.web.app import allowed_hosts, make_app
from arena.web.play_session import PlayHall

LOOPBACK = ("127.0.0.1", "localhost", "::1")


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
    hall: PlayHall | None = None,
    page: str = "",
):
    """Serves until interrupted (with play when given a hall), opening `page` when asked;
    a port that cannot be bound is one clear line."""
    app = make_app(store, runs, lineages, allowed_hosts(host, port), hall)
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
            webbrowser.open(url + page)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a user stops it
        asyncio.run(main())
