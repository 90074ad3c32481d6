"""`arena web`: the read-only dashboard over the store and the training runs."""

from pathlib import Path
from typing import Annotated

import typer

from arena.cli.common import DbOption, app, clean_errors


@app.command()
@clean_errors
def web(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless you say otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in a browser.")
    ] = False,
    runs: Annotated[
        Path, typer.Option("--runs", help="Folder of training runs (each with metrics.jsonl).")
    ] = Path("runs"),
):
    """Serve a read-only dashboard of the store and the training runs.

    Tournaments, battles, agents, the ladder, evaluations, training runs and lineages.
    """
    # here, not at the top: the web stack (aiohttp, jinja2) loads only for this command
    from arena.store.database import Store  # the store, like the web stack, loads here
    from arena.training.lineage.report import as_json, lineage_rows
    from arena.web.serve import exposed, serve

    store = Store.open(db, readonly=True)
    if exposed(host):
        typer.echo(
            f"arena web: warning: listening on {host}, reachable from other machines; "
            "the dashboard has no login",
            err=True,
        )
    serve(store, runs, lambda s: as_json(lineage_rows(s)), host, port, open_browser, typer.echo)
