"""`arena play AGENT`: a person plays AGENT in the browser, on the dashboard with play on."""

import json
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import typer

from arena.cli.common import DbOption, FormatOption, TeamsOption, app, clean_errors
from arena.cli.web import DEFAULT_PORT, ClockOption, PortOption, RunsOption, dashboard
from arena.models.registry import resolve

LOOPBACK = "127.0.0.1"


@app.command()
@clean_errors
def play(
    agent: Annotated[str, typer.Argument(help="The agent to play: a name, checkpoint or path.")],
    name: Annotated[
        str, typer.Option(help="Your name: your games are stored as agent human:NAME.")
    ] = "",
    db: DbOption = None,
    port: PortOption = DEFAULT_PORT,
    battle_format: FormatOption = "gen1ou",
    teams: TeamsOption = None,
    clock: ClockOption = 90.0,
    runs: RunsOption = Path("runs"),
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a browser.")
    ] = True,
):
    """Play a battle against an agent in your browser; the game is stored and rated.

    Uses the dashboard already serving play on that port, or starts one on loopback
    (`arena web --play`). Pick or paste your team on the page; `arena leaderboard
    --tournament play-FORMAT` rates agents against people.
    """
    resolve(agent)  # a mistyped agent is one line here, not an error on the page
    page = "play?" + urlencode({"agent": agent, "name": name})
    running = _serving_play(port)
    if running is not None:
        url = f"http://{LOOPBACK}:{port}/{page}"
        typer.echo(f"arena play: the dashboard on port {port} serves {running}: {url}")
        if open_browser:
            webbrowser.open(url)
        return
    dashboard(db, LOOPBACK, port, open_browser, runs, (battle_format, teams, clock), page)


def _serving_play(port: int) -> str | None:
    """The format a dashboard already on `port` serves play in; None when none does."""
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/api/play", timeout=2) as answer:
            info = json.loads(answer.read())
    except (OSError, ValueError):
        return None
    return info.get("format") if info.get("play") else None
