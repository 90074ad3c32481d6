"""The server's own ladder table (`/cmd laddertop FORMAT, PREFIX`) read into numbers.

Showdown answers `laddertop` with an HTML table whose columns depend on the server: the
local ladder (`ladders-local`) shows Elo and W/L/T; PokéAgent's board adds Glicko-1
(rating ± deviation), GXE and its full-history Bradley–Terry "Skill Rating". Columns
are found by their header, so a server that shows more (or fewer) is read as it is; a
column it does not show stays None.
"""

import re
from dataclasses import dataclass, fields
from html.parser import HTMLParser

from poke_env.data import to_id_str

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class ServerStanding:
    """One account's row on the server's ladder."""

    elo: float | None = None
    glicko: float | None = None
    glicko_deviation: float | None = None
    gxe: float | None = None  # percent
    skill: float | None = None  # PokéAgent's Skill Rating (full-history Bradley–Terry)


STANDING_FIELDS = tuple(f.name for f in fields(ServerStanding))


class _Table(HTMLParser):
    """Rows of cell texts, header row included."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _column(header: str) -> str | None:
    """The ServerStanding field a header names."""
    name = header.lower()
    for key, field in (("glicko", "glicko"), ("gxe", "gxe"), ("skill", "skill"), ("elo", "elo")):
        if key in name:
            return field
    return None


def _numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(text.replace(",", ""))]


def parse(html: str, username: str) -> ServerStanding | None:
    """`username`'s row in a laddertop table, None when the table does not list it."""
    table = _Table()
    table.feed(html)
    if not table.rows:
        return None
    header, *rows = table.rows
    columns = {k: _column(h) for k, h in enumerate(header)}
    name_at = next((k for k, h in enumerate(header) if "user" in h.lower()), 1)
    wanted = to_id_str(username)
    for row in rows:
        if len(row) <= name_at or to_id_str(row[name_at]) != wanted:
            continue
        values: dict[str, float | None] = {}
        for k, cell in enumerate(row):
            field, numbers = columns.get(k), _numbers(cell)
            if field is None or not numbers:
                continue
            values[field] = numbers[0]
            if field == "glicko" and len(numbers) > 1:
                values["glicko_deviation"] = numbers[1]
        return ServerStanding(**values)
    return None
