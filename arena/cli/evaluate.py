"""`arena evaluate`: is a candidate really stronger than the incumbent? An SPRT verdict."""

import math
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from arena import aio
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
    live_play,
    log_beside,
    play_options,
    ray_options,
    server_option,
)
from arena.config import defaults
from arena.errors import ArenaError
from arena.game.battle import GameStartError
from arena.gate.evaluation import EvaluationConfig, EvaluationReport, EvaluationRun, prepare
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.workers import WorkerFailed
from arena.rating.sprt import bounds

DEFAULTS = defaults()["evaluate"]

# The test's hypotheses, declared once for every command that runs the SPRT gate.
Elo0Option = Annotated[float, typer.Option(help="H0: no stronger than this (Elo).")]
Elo1Option = Annotated[float, typer.Option(help="H1: at least this much stronger.")]
AlphaOption = Annotated[float, typer.Option(help="Chance of promoting at elo0.")]
BetaOption = Annotated[float, typer.Option(help="Chance of rejecting at elo1.")]
MaxPairsOption = Annotated[int, typer.Option(help="Head-to-head pairs before INCONCLUSIVE.")]
IncumbentOption = Annotated[
    str, typer.Option(help="The agent it would replace (e.g. the current champion).")
]
OpponentsOption = Annotated[
    str | None,
    typer.Option(help="Comma-separated gauntlet opponents (default: the heuristics)."),
]


@app.command("evaluate")
@clean_errors
@play_options("evaluate")
def evaluate_command(
    candidate: Annotated[str, typer.Argument(help="The agent that would be promoted.")],
    incumbent: IncumbentOption,
    opponents: OpponentsOption = None,
    elo0: Elo0Option = DEFAULTS["elo0"],
    elo1: Elo1Option = DEFAULTS["elo1"],
    alpha: AlphaOption = DEFAULTS["alpha"],
    beta: BetaOption = DEFAULTS["beta"],
    max_pairs: MaxPairsOption = DEFAULTS["max_pairs"],
    name: Annotated[
        str | None, typer.Option(help="Name to store it under; rerun with it to resume.")
    ] = None,
    db: DbOption = None,
    server: ServerOption = None,
    ray: RayOption = None,
    ray_actors: RayActorsOption = None,
    ray_gpus_per_actor: RayGpusOption = None,
    *,
    play: PlaySettings,
):
    """Test a candidate against the incumbent with a sequential probability ratio test.

    The exit code is the verdict's: 0 PROMOTE, 10 REJECT, 11 INCONCLUSIVE.
    """
    cluster = ray_options(ray, ray_actors, ray_gpus_per_actor, play.device)
    check_device(play.device, on_ray=cluster is not None)
    config = EvaluationConfig(
        name=name or f"evaluate-{datetime.now():%Y%m%d-%H%M%S}",
        candidate=candidate,
        incumbent=incumbent,
        opponents=opponent_list(opponents),
        elo0=elo0,
        elo1=elo1,
        alpha=alpha,
        beta=beta,
        max_pairs=max_pairs,
        play=play,
    )
    entry = server_option(server)
    prepared = prepare(config, db)
    log_beside(db)
    prepared.run.cluster = cluster
    url = entry.websocket if entry else None
    view = _LiveView(prepared)
    try:
        received = aio.run(live_play(prepared.run, view.render, lambda: prepared.play(url)))
    except* (GameStartError, WorkerFailed) as failure:
        raise ArenaError(f"{failure.exceptions[0]}; rerun the same command to resume", 1) from None
    report = prepared.finish(received is not None)
    print_report(report)
    raise typer.Exit(report.exit_code)


def opponent_list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(a.strip() for a in value.split(",") if a.strip())


class _LiveView:
    """Pairs, pentanomial counts and the LLR against its bounds, after every game."""

    def __init__(self, prepared: EvaluationRun):
        self.prepared = prepared

    def render(self) -> Group:
        h2h, config = self.prepared.head_to_head, self.prepared.config
        progress = self.prepared.run.progress
        llr = h2h.trajectory[-1] if h2h.trajectory else 0.0
        lower, upper = bounds(config.alpha, config.beta)
        return Group(
            Text(f"{config.name}: {h2h.lineup.head_to_head}", style="bold"),
            Text(
                f"pairs {h2h.pairs}/{config.max_pairs}   pentanomial {h2h.counts}   "
                f"LLR {llr:+.2f} in [{lower:.2f}, {upper:.2f}]   "
                f"games {progress.done}/{progress.total}   faults {progress.failures}"
            ),
        )


def _bound(elo: float) -> str:
    """One side of an Elo interval; a side the pairs cannot bound (a sweep) is open."""
    return f"{elo:+.1f}" if math.isfinite(elo) else ("+∞" if elo > 0 else "−∞")


def print_report(report: EvaluationReport) -> None:
    e = report.elo
    verdict = report.verdict or "INTERRUPTED (rerun the same command to resume)"
    console.print(f"[bold]{report.name}[/]: {report.candidate} vs {report.incumbent}: {verdict}")
    decided = f", decided at pair {report.decided_at}" if report.decided_at else ""
    console.print(
        f"LLR {report.llr:+.2f} (bounds {report.lower:.2f}, {report.upper:.2f}) after "
        f"{report.pairs} of at most {report.max_pairs} pairs{decided}; "
        f"pentanomial {report.pentanomial}"
    )
    console.print(
        f"Elo {e.elo:+.1f} [{_bound(e.elo_low)}, {_bound(e.elo_high)}]  "
        f"nElo {e.nelo:+.1f} [{e.nelo_low:+.1f}, {e.nelo_high:+.1f}]  LOS {e.los:.1%}  "
        f"(95% profile-likelihood intervals, as the leaderboard's)"
    )
    if report.gauntlet:
        table = Table(
            "opponent",
            f"{report.candidate} games",
            "score [95%]",
            f"{report.incumbent} games",
            "score [95%]",
            title="gauntlet",
            title_justify="left",
        )
        for row in report.gauntlet:
            table.add_row(
                row.opponent,
                str(row.candidate_games),
                f"{row.candidate_rate:.1%} [{row.candidate_low:.1%}, {row.candidate_high:.1%}]",
                str(row.incumbent_games),
                f"{row.incumbent_rate:.1%} [{row.incumbent_low:.1%}, {row.incumbent_high:.1%}]",
            )
        console.print(table)
    for alarm in report.alarms:
        console.print(f"[bold red]ALARM {alarm.kind}[/]: {alarm.message}", soft_wrap=True)
