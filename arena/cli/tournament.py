"""`arena tournament`: a field of agents, a schedule of paired games, a leaderboard."""

import json
from dataclasses import replace
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from arena import aio
from arena.cli.common import (
    CsvOption,
    DbOption,
    RayActorsOption,
    RayGpusOption,
    RayOption,
    ServerOption,
    TransportOption,
    app,
    check_device,
    clean_errors,
    live_play,
    open_store,
    play_options,
    ray_options,
    server_option,
)
from arena.cli.reports import print_leaderboard
from arena.config import defaults
from arena.errors import ArenaError
from arena.game.battle import GameStartError
from arena.game.transport import check_transport
from arena.matchmaking.schedule import check_even
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import (
    TournamentConfig,
    TournamentRun,
    check_kind,
)
from arena.matchmaking.workers import WorkerFailed
from arena.models.registry import HEURISTICS
from arena.models.shipped import BASE
from arena.showdown.servers import Server
from arena.store.database import Store

DEFAULTS = defaults()["tournament"]


def _field(models: list[str], agents: str | None, base: bool | None) -> tuple[str, ...]:
    """The agents' specs in the order given; the shipped heuristics and the base model
    when none are. `base` adds (True) or leaves out (False) the base model either way."""
    if models:
        from arena.models.neural.checkpoint import CheckpointError, resolve_path  # torch loads here

        for spec in models:
            try:
                resolve_path(spec)
            except CheckpointError as error:
                raise ArenaError(f"--models: {error}") from None
    named = [a.strip() for a in (agents or "").split(",") if a.strip()]
    chosen = tuple(models) + tuple(named)
    if base is None:
        base = not chosen and DEFAULTS["base"]
    chosen = chosen or HEURISTICS
    return (*chosen, BASE) if base and BASE not in chosen else chosen


@app.command()
@clean_errors
@play_options("tournament")
def tournament(
    more_models: Annotated[
        list[str] | None,
        typer.Argument(
            help="More checkpoints, as the shell expands `--models ckpts/*`.", show_default=False
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", help="Checkpoints: files, run directories or DIR@EPOCH."),
    ] = None,
    agents: Annotated[
        str | None, typer.Option(help="Comma-separated names or import paths.")
    ] = None,
    base: Annotated[
        bool | None,
        typer.Option(
            "--base/--no-base",
            help="Add the base model (default: only to the default field of heuristics).",
        ),
    ] = None,
    games_per_pair: Annotated[int, typer.Option(help="Games per pairing; even.")] = DEFAULTS[
        "games_per_pair"
    ],
    mode: Annotated[
        str, typer.Option(help="round-robin (every pairing) or gauntlet (the candidate only).")
    ] = DEFAULTS["mode"],
    candidate: Annotated[
        str | None, typer.Option(help="The gauntlet's challenger, met by every other agent.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name to store it under (and resume by).")
    ] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a stored tournament by name.")] = None,
    db: DbOption = None,
    server: ServerOption = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes, each with its own Showdown server.")
    ] = DEFAULTS["workers"],
    csv: CsvOption = None,
    transport: TransportOption = None,
    ray: RayOption = None,
    ray_actors: RayActorsOption = None,
    ray_gpus_per_actor: RayGpusOption = None,
    *,
    play: PlaySettings,
):
    """Play a round robin (or a gauntlet) and print the leaderboard."""
    if resume:
        store = open_store(db)
        config = _resumed_config(store, resume)
    else:
        config = TournamentConfig(
            name=name or f"{mode}-{datetime.now():%Y%m%d-%H%M%S}",
            agents=_field([*(models or []), *(more_models or [])], agents, base),
            games_per_pair=games_per_pair,
            mode=mode,
            candidate=candidate,
            play=play,
            workers=workers,
        )
        store = None
    cluster = ray_options(ray, ray_actors, ray_gpus_per_actor, config.play.device, config.workers)
    check_device(config.play.device, on_ray=cluster is not None)
    if transport or server:
        play = replace(config.play, transport=check_transport(transport, server))
        config = replace(config, play=play)
    check_even(config.games_per_pair, "--games-per-pair")
    entry = server_option(server)
    run = tournament_run(config, lambda: store or open_store(db))
    run.cluster = cluster
    code = play_to_end(run, entry)
    print_leaderboard(run.store, [run.tournament_id], csv_path=csv)
    if code:
        raise typer.Exit(code)


def play_to_end(run: TournamentRun, server: Server | None) -> int:
    """Plays the run with a live view and stores how it ended (finished or interrupted);
    the exit code: 0, or 128 plus the signal that stopped it."""
    status, code = "failed", 0
    try:
        status, code = aio.run(_play(run, server))
    except* (GameStartError, WorkerFailed) as failure:
        raise ArenaError(f"{failure.exceptions[0]}; rerun the same command to resume", 1) from None
    finally:
        run.store.set_status(run.tournament_id, status)
    return code


def _resumed_config(store: Store, name: str) -> TournamentConfig:
    existing = store.tournament(name)
    if existing is None:
        raise ArenaError(f"no stored tournament named {name!r}")
    check_kind(existing)
    return TournamentConfig.from_json(json.loads(existing.config))


async def _play(run: TournamentRun, server: Server | None) -> tuple[str, int]:
    """Plays with a live view; the status and exit code it ends with."""
    view = _LiveView(run)
    received = await live_play(
        run, view.render, lambda: run.play(server.websocket if server else None)
    )
    code = 128 + received if received else 0
    if received or run.progress.done < run.progress.total:
        return "interrupted", code
    return "finished", code


class _LiveView:
    def __init__(self, run: TournamentRun):
        self.run = run
        self.bar = Progress(
            TextColumn(f"[bold]{run.config.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.2f} battles/s  errors {task.fields[failures]}"),
            TimeRemainingColumn(),
        )
        progress = run.progress
        self.task = self.bar.add_task(
            "", total=progress.total, completed=progress.done, rate=0.0, failures=0
        )

    def render(self) -> Group:
        progress = self.run.progress
        self.bar.update(
            self.task, completed=progress.done, rate=progress.rate, failures=progress.failures
        )
        top = Table("#", "agent", "mu - 3σ", "mu", "σ", "games", box=None)
        for rank, row in enumerate(self.run.ratings.table()[:5], 1):
            top.add_row(
                str(rank),
                row.name,
                f"{row.conservative:.2f}",
                f"{row.mu:.2f}",
                f"{row.sigma:.2f}",
                str(row.games),
            )
        return Group(self.bar, top)
