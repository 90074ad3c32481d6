"""`arena data`: build a training dataset from the store, and audit one."""

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from arena.cli.common import PLAY, clean_errors, command_group, console

data_app = command_group("data", "Training datasets built from stored battles.")


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in value.split(",") if n.strip()) if value else ()


@data_app.command("build")
@clean_errors
def build(
    out: Annotated[Path, typer.Option(help="The dataset directory (created or extended).")],
    tournament: Annotated[
        list[str] | None, typer.Option(help="Only this tournament's battles (repeatable).")
    ] = None,
    agents: Annotated[
        str | None, typer.Option(help="Comma-separated agents whose decisions to keep.")
    ] = None,
    battle_format: Annotated[str, typer.Option("--format")] = PLAY.format,
    winners_only: Annotated[bool, typer.Option(help="Only the winning side's decisions.")] = False,
    min_elo: Annotated[
        float | None, typer.Option(help="Only agents with at least this Bradley–Terry Elo.")
    ] = None,
    exclude_fallbacks: Annotated[
        bool, typer.Option(help="Leave out decisions the default move stood in for.")
    ] = False,
    include_ladder: Annotated[bool, typer.Option(help="Also ladder battles.")] = False,
    replays: Annotated[
        bool, typer.Option(help="Also imported replays (`arena data import`), both sides.")
    ] = False,
    min_rating: Annotated[
        float | None, typer.Option(help="Only replays the replay site rated at least this.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only battles finished (replays uploaded) from this date.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only battles before this date.")] = None,
    teams: Annotated[
        Path | None,
        typer.Option(help="The pool replay players' unrevealed sets come from (default shipped)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Encoding processes.")] = 1,
    teacher: Annotated[
        str | None,
        typer.Option(
            help="An agent asked at every decision; its choice (a search agent: its visit "
            "distribution) becomes the decision's training target."
        ),
    ] = None,
    db: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default ./arena.db).")] = None,
):
    """Encode every decision of the selected battles into DIR; a rerun adds new battles only."""
    from arena.training.data.build import Query
    from arena.training.data.build import build as build_dataset
    from arena.training.data.replays import day

    query = Query(
        tournaments=tuple(tournament or ()),
        agents=_names(agents),
        format=battle_format,
        winners_only=winners_only,
        min_elo=min_elo,
        exclude_fallbacks=exclude_fallbacks,
        include_ladder=include_ladder,
        replays=replays,
        min_rating=min_rating,
        since=since and day(since).isoformat(),
        until=until and day(until).isoformat(),
        teams=str(teams) if teams else None,
    )
    progress = Progress(
        TextColumn("encoding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("battles · {task.fields[decisions]} decisions"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("encoding", total=None, decisions=0)

    def on_chunk(battles: int, decisions: int) -> None:
        done = progress.tasks[task].fields["decisions"] + decisions
        progress.update(task, advance=battles, decisions=done)

    with progress:
        built = build_dataset(
            out,
            query,
            workers=workers,
            db=db,
            teacher=teacher,
            on_start=lambda total: progress.update(task, total=total),
            on_chunk=on_chunk,
        )
    console.print(
        f"{out}: added {built.added_battles} battles, {built.added_decisions} decisions; "
        f"now {built.total_battles} battles, {built.total_decisions} decisions",
        highlight=False,
    )


@data_app.command("import")
@clean_errors
def import_replays(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Replay files (.json as the replay site serves them, "
            ".log), or directories of them."
        ),
    ],
    battle_format: Annotated[
        str | None, typer.Option("--format", help="Only replays of this format.")
    ] = None,
    db: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default ./arena.db).")] = None,
):
    """Store Showdown replays as battles of their players (tournament `replays`)."""
    from arena.store.database import Store
    from arena.training.data.replays import import_files, replay_files

    paths = replay_files(files)
    store = Store.open(db)

    def said(path: Path, refusal: str | None) -> None:
        if refusal is not None:
            console.print(f"{path}: {refusal}", highlight=False, soft_wrap=True)

    result = import_files(store, paths, battle_format, on_file=said)
    refused = ", ".join(f"{n} {reason}" for reason, n in sorted(result.counts.items()))
    console.print(
        f"{result.stored} replays stored of {len(paths)} files"
        + (f"; refused: {refused}" if refused else ""),
        highlight=False,
    )


def _percent(share: float) -> str:
    return f"{100 * share:.2f}%"


@data_app.command("info")
@clean_errors
def info(directory: Annotated[Path, typer.Argument(help="A dataset directory.")]):
    """Audit a dataset: its battles, agents, labels, rewards and action frequencies."""
    from arena.training.data.audit import audit
    from arena.training.data.dataset import read_manifest

    report = audit(directory)
    teacher = read_manifest(directory).teacher
    summary = {
        "directory": str(directory),
        "features/actions": f"version {report.feature_version} / {report.action_version}",
        "selection": report.query,
        "teacher": teacher["name"] if teacher else "none",
        "battles": report.battles,
        "decisions": report.decisions,
        "win rate": _percent(report.win_rate),
        "forced switches": _percent(report.forced_switch),
        "one legal action": _percent(report.one_legal),
        "unknown actions": _percent(report.unknown),
        "fallbacks": _percent(report.fallback),
        "label in mask": _percent(report.label_in_mask),
    }
    for key, value in summary.items():
        console.print(f"{key:>16}: {value}", highlight=False, soft_wrap=True)
    agents = Table("agent", "decisions", "battle sides", "win rate", title="agents")
    for name, counts in report.agents.items():
        sides = counts.get("trajectories", 0)
        wins = counts.get("wins", 0)
        agents.add_row(
            name, str(counts["decisions"]), str(sides), _percent(wins / sides if sides else 0)
        )
    console.print(agents)
    rewards = Table("component", "mean", "std", "min", "max", "total", title="reward components")
    for name, s in report.components.items():
        rewards.add_row(
            name, *(f"{v:.4f}" for v in (s.mean, s.std, s.minimum, s.maximum)), f"{s.total:.2f}"
        )
    console.print(rewards)
    slots = Table("slot", "decisions", "share", title="action slots (0–3 moves, 4–8 switches)")
    for slot, count in report.slots.items():
        slots.add_row(
            slot, str(count), _percent(count / report.decisions if report.decisions else 0)
        )
    console.print(slots)
