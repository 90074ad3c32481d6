"""What every arena command shares: the app, the consoles, clean errors, servers."""

import asyncio
import contextlib
import functools
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.live import Live

from arena.config import defaults
from arena.errors import ArenaError
from arena.showdown import server_url
from arena.tournament import TournamentRun
from models.registry import UnknownAgent

DeviceOption = Annotated[str, typer.Option(help="Where checkpoints run: cpu or cuda.")]
TemperatureOption = Annotated[
    float, typer.Option(min=0.0, help="Checkpoints sample at this temperature (0: greedy).")
]

app = typer.Typer(
    help="Tournaments, ratings and ladder play for Pokémon Showdown agents.",
    no_args_is_help=True,
    add_completion=False,
)
# Tables stay readable when output goes to a file or a pipe, where rich assumes 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=200)
errors = Console(stderr=True)


def clean_errors(command):
    """Turns arena's expected failures into one line on stderr and their exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ArenaError as error:
            typer.echo(f"arena: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        except UnknownAgent as error:
            typer.echo(f"arena: {error}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def websocket_url(server: str) -> str:
    """Accepts `host:port`, an http(s) address or a websocket address of a server."""
    url = server if "://" in server else f"http://{server}"
    url = url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    if url.rstrip("/").endswith("/showdown/websocket"):
        return url
    return url.rstrip("/") + "/showdown/websocket"


def showdown(server: str | None) -> contextlib.AbstractAsyncContextManager[str]:
    """The websocket URL of the given server, or of one started for the command."""
    return server_url(
        websocket_url(server) if server else None,
        startup_timeout=defaults()["server"]["startup_timeout"],
    )


async def live_play(
    run: TournamentRun, render: Callable[[], RenderableType], play: Callable[[], Awaitable[None]]
) -> bool:
    """Plays with a live view redrawn after every game; the first Ctrl-C drains the games
    in flight, the second aborts. True when the user interrupted."""
    main = asyncio.current_task()
    interrupts = 0

    def on_interrupt():
        nonlocal interrupts
        interrupts += 1
        run.stop.set()
        if interrupts == 1:
            errors.print("stopping: finishing the battles in flight (Ctrl-C again to abort)")
        else:
            main.cancel()

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    try:
        with Live(render(), console=console, refresh_per_second=4, transient=True) as live:
            run.on_game = lambda _run: live.update(render())
            await play()
    except asyncio.CancelledError:
        return True
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    return interrupts > 0
