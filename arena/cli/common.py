"""What every arena command shares: the app, the consoles, clean errors, servers."""

import functools
import sys
from typing import Annotated

import typer
from rich.console import Console

from arena.config import defaults
from arena.errors import ArenaError
from arena.transport import check_transport, opened
from models.registry import UnknownAgent

DeviceOption = Annotated[str, typer.Option(help="Where checkpoints run: cpu or cuda.")]
TemperatureOption = Annotated[
    float, typer.Option(min=0.0, help="Checkpoints sample at this temperature (0: greedy).")
]
TransportOption = Annotated[
    str | None,
    typer.Option(
        help="direct: arena's own simulator hosts (default); server: a Showdown server "
        "(always the one named by --server)."
    ),
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


def play_on(kind: str | None, server: str | None):
    """The transport a command plays on (see `check_transport`), opened for its duration."""
    kind = check_transport(kind, server)
    return opened(
        kind,
        websocket_url(server) if server else None,
        startup_timeout=defaults()["server"]["startup_timeout"],
    )
