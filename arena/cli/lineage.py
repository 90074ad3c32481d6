"""`arena lineage`: a lineage's generations, their verdicts and what each was built from."""

import json as json_module
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from arena.cli.common import DbOption, app, clean_errors, console
from arena.export import write_csv
from arena.store import Store


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def lineage_table(rows) -> Table:
    from training.lineage import opponents

    met = opponents(rows)
    table = Table(
        "lineage", "gen", "stage", "checkpoint", "sha256", "parent", "reward",
        "battles / decisions", "verdict", "LLR", "pairs", "Elo vs parent [95%]",
        *(f"vs {o}" for o in met), "alarms",
    )  # fmt: skip
    for row in rows:
        data = "-" if row.battles is None else f"{row.battles} / {row.decisions}"
        elo = (
            "-" if row.elo is None else f"{row.elo:+.0f} [{row.elo_low:+.0f}, {row.elo_high:+.0f}]"
        )
        table.add_row(
            row.lineage,
            str(row.generation),
            row.stage,
            row.checkpoint or "-",
            (row.sha256 or "-")[:12],
            row.parent,
            row.reward or "-",
            data,
            row.verdict or "-",
            _number(row.llr, "+.2f"),
            _number(row.pairs, "d"),
            elo,
            *(_number(row.win_rates.get(o), ".1%") for o in met),
            "\n".join(row.alarms) or "-",
        )
    return table


@app.command()
@clean_errors
def lineage(
    name: Annotated[str | None, typer.Argument(help="The lineage (default: every one).")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write CSV here.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    db: DbOption = None,
):
    """Per generation: checkpoint and sha256, parent, reward, data, verdict, LLR, pairs,
    Elo against its parent, win rate per opponent, alarms."""
    from training.lineage import COLUMNS, as_json, lineage_rows, opponents

    rows = lineage_rows(Store.open(db, readonly=True), name)
    if csv:
        met = opponents(rows)
        columns = [*COLUMNS, *(f"win_rate {o}" for o in met), "alarms"]
        write_csv(csv, [row.flat(met) for row in rows], columns)
    if json:
        typer.echo(json_module.dumps(as_json(rows), indent=2))
    elif not csv:
        console.print(lineage_table(rows))
