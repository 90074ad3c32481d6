"""`arena promote`: a training run's best epoch through the SPRT gate against the champion."""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from arena import aio
from arena.cli.common import (
    DbOption,
    ServerOption,
    app,
    check_device,
    clean_errors,
    console,
    live_play,
    log_beside,
    play_options,
    resumable,
    server_option,
)
from arena.cli.evaluate import (
    DEFAULTS,
    AlphaOption,
    BetaOption,
    Elo0Option,
    Elo1Option,
    IncumbentOption,
    MaxPairsOption,
    OpponentsOption,
    opponent_list,
    print_report,
)
from arena.gate.evaluation import EvaluationConfig
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.tournament import TournamentRun

GamesPerPairOption = Annotated[
    int, typer.Option(help="Games per pairing in the epochs' round robin; even.")
]
LineageOption = Annotated[
    str | None,
    typer.Option(help="The lineage whose champion the incumbent is; PROMOTE makes a new one."),
]


def play_live(run: TournamentRun, start: Callable[[], Awaitable[None]]) -> bool:
    """Plays a stage's games under a live progress line; Ctrl-C drains the games in
    flight (a second aborts). True when stopped by a signal."""

    def render() -> Text:
        progress = run.progress
        return Text(
            f"{run.config.name}: games {progress.done}/{progress.total}, faults {progress.failures}"
        )

    return aio.run(live_play(run, render, start)) is not None


@app.command("promote")
@clean_errors
@play_options("promote")
def promote_command(
    run: Annotated[Path, typer.Argument(help="A training run's directory (runs/NAME).")],
    incumbent: IncumbentOption,
    games_per_pair: GamesPerPairOption = 4,
    lineage: LineageOption = None,
    opponents: OpponentsOption = None,
    elo0: Elo0Option = DEFAULTS["elo0"],
    elo1: Elo1Option = DEFAULTS["elo1"],
    alpha: AlphaOption = DEFAULTS["alpha"],
    beta: BetaOption = DEFAULTS["beta"],
    max_pairs: MaxPairsOption = DEFAULTS["max_pairs"],
    name: Annotated[
        str | None, typer.Option(help="Name to store it under (default promote:RUN); resumes.")
    ] = None,
    db: DbOption = None,
    server: ServerOption = None,
    *,
    play: PlaySettings,
):
    """Rank RUN's epochs and test the best against the incumbent with the SPRT.

    The exit code is the verdict's: 0 PROMOTE, 10 REJECT, 11 INCONCLUSIVE. With --lineage
    a PROMOTE makes the candidate that lineage's champion.
    """
    from arena.training.lineage.promotion import PromotionConfig, promote

    check_device(play.device)
    config = PromotionConfig(
        run=str(run),
        games_per_pair=games_per_pair,
        lineage=lineage,
        evaluation=EvaluationConfig(
            name=name or f"promote:{run.resolve().name}",
            candidate=str(run),
            incumbent=incumbent,
            opponents=opponent_list(opponents),
            elo0=elo0,
            elo1=elo1,
            alpha=alpha,
            beta=beta,
            max_pairs=max_pairs,
            play=play,
        ),
    )
    entry = server_option(server)
    log_beside(db)  # the file appears with the first record, so bad input leaves none
    with resumable("arena promote"):
        report = promote(config, db, entry.websocket if entry else None, play_live)
    table = Table(
        "epoch", "agent", "BT Elo", "95% interval", title="epochs (best lower bound first)"
    )
    for row in report.ranking:
        rated = row.elo is not None
        elo = f"{row.elo:.0f}" if rated else "- (one epoch)"
        interval = f"[{row.low:.0f}, {row.high:.0f}]" if rated else "-"
        table.add_row(str(row.epoch), row.agent, elo, interval)
    console.print(table)
    console.print(
        f"candidate: epoch {report.epoch} ({report.candidate}, sha256 "
        f"{report.candidate_sha256[:12]})",
        highlight=False,
    )
    print_report(report.evaluation)
    if report.champion is not None:
        console.print(f"champion of lineage {lineage!r}: {report.champion}", highlight=False)
    raise typer.Exit(report.evaluation.exit_code)
