"""Writing reports out: CSV, JSON and Markdown, each file complete or not there at all."""

import csv
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from arena.errors import ArenaError

STDOUT = Path("-")  # what an export flag names for standard output


def _atomic_write(path: Path, text: str) -> None:
    """Writes beside the target and renames, so a crash never leaves half a report;
    `-` writes to standard output."""
    path = Path(path)
    if path == STDOUT:
        sys.stdout.write(text)
        return
    if not path.parent.is_dir():
        raise ArenaError(f"cannot write {path}: folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def csv_text(rows: Sequence, columns: list[str]) -> str:
    """Rows (dataclasses, or dicts where the columns depend on the data) as CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row if isinstance(row, dict) else asdict(row))
    return buffer.getvalue()


def write_csv(path: Path, rows: Sequence, columns: list[str]) -> None:
    _atomic_write(path, csv_text(rows, columns))


def json_rows(rows: Sequence) -> list[dict]:
    """Rows as JSON objects; a number that is not finite (no games yet) becomes null."""

    def clean(value):
        return None if isinstance(value, float) and not math.isfinite(value) else value

    return [{k: clean(v) for k, v in asdict(row).items()} for row in rows]


def write_json(path: Path, rows: Sequence) -> None:
    _atomic_write(path, json.dumps(json_rows(rows), indent=2) + "\n")


def write_markdown(path: Path, rows: Sequence, columns: list[str]) -> None:
    _atomic_write(path, markdown(rows, columns) + "\n")


def markdown(rows: Sequence, columns: list[str], digits: int = 3) -> str:
    def cell(value) -> str:
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        values = asdict(row)
        lines.append("| " + " | ".join(cell(values[c]) for c in columns) + " |")
    return "\n".join(lines)
