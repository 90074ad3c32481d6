"""`arena probe`: what agents choose in a suite's stored positions, scored per theme."""

import csv as csv_module
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from arena.cli.common import CsvOption, DeviceOption, app, check_device, clean_errors, console


@app.command()
@clean_errors
def probe(
    agents: Annotated[
        list[str], typer.Argument(help="Agent names, checkpoints or pkg.module:Class paths.")
    ],
    suite: Annotated[
        Path | None, typer.Option(help="A suite file (default: the shipped Gen 1 OU suite).")
    ] = None,
    positions: Annotated[
        bool, typer.Option("--positions", help="Also print every position's choices.")
    ] = False,
    csv: CsvOption = None,
    device: DeviceOption = "cpu",
):
    """Put each agent into every stored position of a suite and score its choices per
    theme, without playing on."""
    from arena.models.registry import resolve
    from arena.report import probe as probing

    device = check_device(device)
    loaded = probing.load_suite(suite or probing.SHIPPED_SUITE)
    specs = [resolve(name, device) for name in agents]
    answers = {spec.name: probing.probe(spec, loaded) for spec in specs}
    themes = loaded.themes
    table = Table("agent", *themes, "all", title=f"probe: {loaded.name}, right / positions")
    rows = []
    for name, given in answers.items():
        theme_scores = probing.scores(given, themes)
        table.add_row(name, *(f"{s.right}/{s.total}" for s in theme_scores))
        rows += [[name, s.theme, s.right, s.total] for s in theme_scores]
    if positions:
        console.print(_positions_table(loaded, answers))
    if csv is not None and str(csv) == "-":
        csv_module.writer(sys.stdout).writerows([["agent", "theme", "right", "positions"], *rows])
        return
    console.print(table)
    if csv is not None:
        with csv.open("w", newline="") as handle:
            csv_module.writer(handle).writerows([["agent", "theme", "right", "positions"], *rows])
        console.print(f"wrote {csv}", highlight=False)


def _positions_table(loaded, answers: dict) -> Table:
    table = Table("position", "acceptable", *answers, title="choices (✓ acceptable)")
    for k, position in enumerate(loaded.positions):
        marks = [f"{'✓' if a[k].right else '✗'} {a[k].choice}" for a in answers.values()]
        table.add_row(position.id, ", ".join(sorted(position.acceptable)), *marks)
    return table
