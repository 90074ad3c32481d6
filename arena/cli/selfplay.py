"""`arena selfplay`: an agent against itself and a few opponents, stored for training."""

from datetime import datetime
from typing import Annotated

import typer

from arena.cli.common import (
    DbOption,
    RayActorsOption,
    RayGpusOption,
    RayOption,
    ServerOption,
    app,
    check_device,
    clean_errors,
    console,
    open_store,
    play_options,
    ray_options,
    server_option,
)
from arena.cli.reports import print_leaderboard
from arena.cli.tournament import play_to_end
from arena.config import defaults
from arena.matchmaking.schedule import check_even
from arena.matchmaking.selfplay import KIND
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig
from arena.store.results import mirror


@app.command()
@clean_errors
@play_options("selfplay", "battle_format", "teams", "concurrency", "seed", "device", "temperature")
def selfplay(
    agent: Annotated[str, typer.Argument(help="Agent name, checkpoint or pkg.module:Class.")],
    games: Annotated[
        int, typer.Option(help="Games against itself and against each opponent; even.")
    ] = defaults()["selfplay"]["games"],
    opponents: Annotated[
        str | None, typer.Option(help="Comma-separated names, checkpoints or import paths.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name to store it under (rerun with it to resume).")
    ] = None,
    db: DbOption = None,
    server: ServerOption = None,
    ray: RayOption = None,
    ray_actors: RayActorsOption = None,
    ray_gpus_per_actor: RayGpusOption = None,
    *,
    play: PlaySettings,
):
    """Play AGENT against itself and the opponents; every decision is recorded."""
    config = TournamentConfig(
        name=name or f"{KIND}-{datetime.now():%Y%m%d-%H%M%S}",
        agents=(agent, *(o.strip() for o in (opponents or "").split(",") if o.strip())),
        games_per_pair=games,
        mode=KIND,
        candidate=agent,
        play=play,
    )
    cluster = ray_options(ray, ray_actors, ray_gpus_per_actor, play.device)
    check_device(play.device, on_ray=cluster is not None)
    check_even(games, "--games")
    entry = server_option(server)
    run = tournament_run(config, lambda: open_store(db), KIND)
    run.cluster = cluster
    code = play_to_end(run, entry)
    store = run.store
    battles = store.battles([run.tournament_id])
    mirrors = sum(map(mirror, battles))
    decisions = sum(b.p1_decisions + b.p2_decisions for b in battles)
    console.print(
        f"{config.name}: {len(battles)} of {run.progress.total} games stored "
        f"({mirrors} against itself), {decisions} decisions recorded"
    )
    if len(config.agents) > 1:
        print_leaderboard(store, [run.tournament_id])
    if code:
        raise typer.Exit(code)
