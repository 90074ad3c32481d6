"""The `arena` command line: thin commands over the modules that do the work."""

import functools
import signal
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from arena import aio
from arena.config import defaults
from arena.errors import ArenaError
from arena.match import MatchResult, check_games, play_match
from arena.showdown import ShowdownServer, list_servers, running_server
from arena.showdown.server import stop_server
from arena.teams import load_pool
from models.registry import UnknownAgent, resolve

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
server_app = typer.Typer(help="Run local Showdown servers.", no_args_is_help=True)
app.add_typer(server_app, name="server")
console = Console()
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
    return (
        url
        if url.rstrip("/").endswith("/showdown/websocket")
        else url.rstrip("/") + "/showdown/websocket"
    )


# -- battle ------------------------------------------------------------------------

BATTLE = defaults()["battle"]


@app.command()
@clean_errors
def battle(
    agent_a: Annotated[str, typer.Argument(help="Agent name or pkg.module:Class.")],
    agent_b: Annotated[str, typer.Argument(help="Agent name or pkg.module:Class.")],
    battle_format: Annotated[str, typer.Option("--format", help="Showdown format id.")] = BATTLE[
        "format"
    ],
    games: Annotated[int, typer.Option(help="Games to play; even (side-swapped pairs).")] = BATTLE[
        "games"
    ],
    concurrency: Annotated[int, typer.Option(min=1, help="Battles in flight at once.")] = BATTLE[
        "concurrency"
    ],
    teams: Annotated[Path | None, typer.Option(help="Team pool directory (export files).")] = None,
    seed: Annotated[int, typer.Option(help="Seeds the team sampling.")] = BATTLE["seed"],
    server: Annotated[
        str | None, typer.Option(help="Use this running server instead of starting one.")
    ] = None,
):
    """Play GAMES games between two agents and print the score."""
    specs = resolve(agent_a), resolve(agent_b)
    check_games(games)
    _, pool = load_pool(battle_format, teams)
    result = aio.run(_battle(specs, battle_format, pool, games, concurrency, seed, server))
    _print_match(result)


async def _battle(specs, battle_format, pool, games, concurrency, seed, server) -> MatchResult:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.2f} battles/s"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("starting", total=games, rate=0.0)
        clock = time.perf_counter()

        def on_game(_record):
            progress.update(
                task,
                advance=1,
                description="playing",
                rate=progress.tasks[0].completed / (time.perf_counter() - clock),
            )

        async def play(url: str) -> MatchResult:
            return await play_match(
                *specs,
                websocket_url=url,
                battle_format=battle_format,
                pool=pool,
                games=games,
                concurrency=concurrency,
                seed=seed,
                on_game=on_game,
            )

        if server:
            return await play(websocket_url(server))
        async with running_server(startup_timeout=defaults()["server"]["startup_timeout"]) as info:
            return await play(info.websocket_url)


def _print_match(result: MatchResult) -> None:
    wins_a, wins_b, ties = result.score()
    table = Table(title=f"{result.names[0]} vs {result.names[1]}")
    for column in ("agent", "wins", "losses", "ties", "invalid", "errors", "timeouts"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for name, wins, losses in (
        (result.names[0], wins_a, wins_b),
        (result.names[1], wins_b, wins_a),
    ):
        seats = [s for g in result.games for s in g.seats if s.agent == name]
        faults = [sum(getattr(s.log, f) for s in seats) for f in ("invalid", "errors", "timeouts")]
        table.add_row(name, str(wins), str(losses), str(ties), *map(str, faults))
    console.print(table)
    console.print(
        f"games {len(result.games)}  mean turns {result.mean_turns:.1f}  "
        f"{result.battles_per_second:.2f} battles/s"
    )


# -- server ------------------------------------------------------------------------


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
def server_status():
    """List the local servers arena started that are still running."""
    servers = list_servers()
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
