"""`arena lineage`: a lineage's generations, their verdicts and what each was built from."""

from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arena.cli.common import CsvOption, DbOption, JsonOption, app, clean_errors, console
from arena.report.export import write_csv, write_json


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _elo(row) -> str:
    if row.elo is None:
        return "-"
    return f"{row.elo:+.0f} [{row.elo_low:+.0f}, {row.elo_high:+.0f}]"


def lineage_table(rows) -> RenderableType:
    """What a user decides by, narrow enough for an 80-column terminal: per lineage, each
    generation's verdict (its stage while it runs), Elo against its parent and its score
    against the hardest opponent, then the kinds of alarm raised."""
    parts: list[RenderableType] = []
    for name in dict.fromkeys(row.lineage for row in rows):
        mine = [row for row in rows if row.lineage == name]
        table = Table(title=f"lineage {name}", title_justify="left")
        table.add_column("gen", justify="right")
        table.add_column("verdict")
        table.add_column("Elo vs parent [95%]", justify="right")
        table.add_column("hardest opponent", max_width=30, no_wrap=True, overflow="ellipsis")
        for row in mine:
            hardest = row.hardest()
            table.add_row(
                str(row.generation),
                row.verdict or ("-" if row.stage == "done" else f"({row.stage})"),
                _elo(row),
                "-" if hardest is None else f"{hardest[1]:.1%} {hardest[0]}",
            )
        parts.append(table)
        for row in mine:
            if row.alarms:
                kinds = ", ".join(dict.fromkeys(a.partition(":")[0] for a in row.alarms))
                parts.append(Text(f"gen {row.generation} alarms: {kinds}"))
    parts.append(Text("every column: arena lineage --wide, or --csv/--json FILE|-"))
    return Group(*parts)


def wide_table(rows) -> Table:
    """Every column of the rows, a win rate per gauntlet opponent and the alarms in full."""
    from arena.training.lineage.report import opponents

    met = opponents(rows)
    table = Table(
        "lineage", "gen", "stage", "checkpoint", "sha256", "parent", "reward",
        "battles / decisions", "verdict", "LLR", "pairs", "Elo vs parent [95%]",
        *(f"vs {o}" for o in met), "alarms",
    )  # fmt: skip
    for row in rows:
        data = "-" if row.battles is None else f"{row.battles} / {row.decisions}"
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
            _elo(row),
            *(_number(row.win_rates.get(o), ".1%") for o in met),
            "\n".join(row.alarms) or "-",
        )
    return table


@app.command()
@clean_errors
def lineage(
    name: Annotated[str | None, typer.Argument(help="The lineage (default: every one).")] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Every column, for a wide terminal.")
    ] = False,
    csv: CsvOption = None,
    json: JsonOption = None,
    db: DbOption = None,
):
    """A lineage's generations: verdict, Elo against the parent, the hardest opponent.

    One row per generation. --wide, --csv and --json add the checkpoint and its sha256,
    the parent, the reward, the training data, the LLR, the pairs played, the win rate
    against each gauntlet opponent and the alarms; with --csv or --json nothing else is
    printed.
    """
    from arena.store.database import Store
    from arena.training.lineage.report import COLUMNS, lineage_rows, opponents

    rows = lineage_rows(Store.open(db, readonly=True), name)
    if csv:
        met = opponents(rows)
        columns = [*COLUMNS, *(f"win_rate {o}" for o in met), "alarms"]
        write_csv(csv, [row.flat(met) for row in rows], columns)
    if json:
        write_json(json, rows)
    if not (csv or json):
        console.print(wide_table(rows) if wide else lineage_table(rows))
