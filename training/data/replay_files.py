"""Showdown replay files, read and checked: a replay site's JSON (`id`, `formatid`,
`players`, `rating`, `uploadtime` and the spectator `log`) or a plain `.log` of the
spectator protocol (its id is the file's name, its format the log's `|tier|`).

A file that is not a whole replay is refused with the reason, never half read: malformed
(unreadable, fields missing, a player's own log with requests in it), truncated (no
`|win|` or `|tie|`), or of another format than the one asked for.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from poke_env.data import to_id_str

from arena.store.replays import ReplayRecord


class BadReplay(Exception):
    """A file that is no replay arena stores; `reason` says why in a few words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read(path: Path, battle_format: str | None = None) -> ReplayRecord:
    """The replay in `path`, checked; BadReplay when it is not a whole replay of
    `battle_format` (any format when None)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise BadReplay(f"malformed: unreadable ({error.__class__.__name__})") from None
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        fields = _json_fields(text)
    else:
        fields = {"id": path.stem, "log": text}
    return _record(fields, battle_format)


def _json_fields(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        raise BadReplay("malformed: not JSON") from None
    if not isinstance(data, dict):
        raise BadReplay("malformed: not a replay object")
    for key in ("id", "log"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise BadReplay(f"malformed: no {key!r}")
    return data


def _record(fields: dict, battle_format: str | None) -> ReplayRecord:
    lines = [line for line in fields["log"].split("\n") if line]
    if any(line.startswith("|request|") for line in lines):
        raise BadReplay("malformed: a player's log, not a spectator's")
    names = _players(lines)
    tier = next((line.split("|")[2] for line in lines if line.startswith("|tier|")), "")
    found = fields.get("formatid") or to_id_str(tier)
    if not found:
        raise BadReplay("malformed: no format")
    if battle_format is not None and found != battle_format:
        raise BadReplay(f"another format: {found}")
    turns = [int(p[2]) for line in lines if len(p := line.split("|")) > 2 and p[1] == "turn"]
    ends = [p for p in (line.split("|") for line in lines) if p[1:2] in (["win"], ["tie"])]
    if not ends:
        raise BadReplay("truncated: the log never ends the battle")
    winner = None
    if ends[-1][1] == "win":
        if len(ends[-1]) < 3 or ends[-1][2] not in names:
            raise BadReplay("malformed: the winner is not a player")
        winner = names.index(ends[-1][2])
    return ReplayRecord(
        replay_id=fields["id"],
        format=found,
        players=names,
        log=lines,
        winner=winner,
        turns=max(turns, default=0),
        rating=_number(fields.get("rating")),
        uploaded_at=_time(fields.get("uploadtime")),
    )


def _players(lines: list[str]) -> tuple[str, str]:
    names = {}
    for line in lines:
        parts = line.split("|")
        if len(parts) > 3 and parts[1] == "player" and parts[3]:
            names[parts[2]] = parts[3]
    if "p1" not in names or "p2" not in names:
        raise BadReplay("malformed: the log names no two players")
    if to_id_str(names["p1"]) == to_id_str(names["p2"]):
        raise BadReplay("malformed: one player on both sides")
    return names["p1"], names["p2"]


def _number(value) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _time(value) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None
