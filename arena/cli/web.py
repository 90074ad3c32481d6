"""`arena web`: the dashboard over the store and the training runs; with `--play`, people
play agents from it too (`arena play`)."""

from pathlib import Path
from typing import Annotated

import typer

from arena.cli.common import DbOption, FormatOption, TeamsOption, app, clean_errors, log_beside

HostOption = Annotated[
    str, typer.Option(help="Address to listen on (loopback unless you say otherwise).")
]
PortOption = Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")]
RunsOption = Annotated[
    Path, typer.Option("--runs", help="Folder of training runs (each with metrics.jsonl).")
]
ClockOption = Annotated[
    float, typer.Option(min=5, help="With play: seconds a person has for one decision.")
]
DEFAULT_PORT = 8765


@app.command()
@clean_errors
def web(
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = DEFAULT_PORT,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in a browser.")
    ] = False,
    runs: RunsOption = Path("runs"),
    play: Annotated[
        bool, typer.Option("--play", help="Let people play agents here (/play); writes games.")
    ] = False,
    battle_format: FormatOption = "gen1ou",
    teams: TeamsOption = None,
    clock: ClockOption = 90.0,
):
    """Serve a dashboard of the store and the training runs (read-only unless --play).

    Tournaments, battles, agents, the ladder, evaluations, training runs and lineages.
    """
    dashboard(db, host, port, open_browser, runs, (battle_format, teams, clock) if play else None)


def dashboard(
    db: str | None,
    host: str,
    port: int,
    open_browser: bool,
    runs: Path,
    play: tuple[str, Path | None, float] | None,
    page: str = "",
) -> None:
    """Serves the dashboard; `play` (format, team pool, clock) enables games against people."""
    # here, not at the top: the web stack (aiohttp, jinja2) loads only for this command
    from arena.store.database import Store  # the store, like the web stack, loads here
    from arena.training.lineage.report import as_json, lineage_rows
    from arena.web.play_session import PlayHall, PlayOptions
    from arena.web.serve import exposed, serve

    store = Store.open(db, readonly=play is None)
    hall = None
    if play is not None:
        log_beside(db)
        battle_format, teams, clock = play
        hall = PlayHall(store, PlayOptions(battle_format, teams, clock))
    if exposed(host):
        also = " and lets anyone play and store games" if hall else ""
        typer.echo(
            f"arena web: warning: listening on {host}, reachable from other machines; "
            f"the dashboard has no login{also}",
            err=True,
        )
    serve(
        store, runs, lambda s: as_json(lineage_rows(s)), host, port, open_browser, typer.echo,
        hall, page,
    )  # fmt: skip
