"""`arena server`: start, list and stop local Showdown servers."""

import signal
import time
from typing import Annotated

import typer

from arena.cli.common import clean_errors, command_group, console, errors
from arena.config import defaults
from arena.errors import ArenaError
from arena.showdown import ShowdownServer, list_servers
from arena.showdown.server import stop_server

server_app = command_group("server", "Run local Showdown servers.")


@server_app.command("start")
@clean_errors
def server_start(
    port: Annotated[int | None, typer.Option(help="Loopback port; a free one by default.")] = None,
    detach: Annotated[bool, typer.Option(help="Leave it running in the background.")] = False,
):
    """Start a local Showdown server (no-security preset) and print its address."""
    server = ShowdownServer(
        port, startup_timeout=defaults()["server"]["startup_timeout"], detach=detach
    )
    info = server.start()
    console.print(info.websocket_url, highlight=False, soft_wrap=True)
    if detach:
        return
    errors.print(f"serving on {info.http_url} (log {info.log}); Ctrl-C stops it")
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        signal.sigwait(stop_signals)
    finally:
        server.stop()


@server_app.command("stop")
@clean_errors
def server_stop(
    port: Annotated[int | None, typer.Option(help="Stop only the server on this port.")] = None,
):
    """Stop local servers arena started (all of them unless --port)."""
    servers = [s for s in list_servers() if port is None or s.port == port]
    if port is not None and not servers:
        raise ArenaError(f"no arena server is running on port {port}", exit_code=1)
    for info in servers:
        stop_server(info)
        console.print(f"stopped {info.http_url}")


@server_app.command("status")
@clean_errors
def server_status():
    """List the local servers arena started that are still running."""
    try:
        servers = list_servers()
    except OSError as error:
        raise ArenaError(f"cannot read the servers' run files: {error}", exit_code=1) from None
    if not servers:
        console.print("no arena server is running")
        return
    for info in servers:
        age = time.time() - info.started_at
        console.print(
            f"{info.websocket_url}  pid {info.pid}  up {age:.0f}s  log {info.log}",
            highlight=False,
            soft_wrap=True,
        )
