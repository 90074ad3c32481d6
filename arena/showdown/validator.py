"""Format and team checks by the installed Showdown's own validator, before any battle.

One node process checks a whole batch, so a run pays Showdown's start-up once and a bad
team is named before a server or a player is started. Its answer is kept in arena's data
folder, keyed by the installed Showdown's lockfile, this checker and the request: the same
teams for the same format (every run on the shipped pool) are checked once per install, and
a short run does not pay a second of node start-up for an answer it already has.
"""

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from arena import paths
from arena.errors import ArenaError
from arena.showdown.install import node_executable, require_install

_SCRIPT = Path(__file__).with_name("validate.js")


@dataclass(frozen=True)
class FormatInfo:
    id: str
    name: str
    needs_team: bool
    game_type: str = "singles"  # Showdown's gameType: singles, doubles, ...


@dataclass(frozen=True)
class TeamCheck:
    packed: str | None
    errors: tuple[str, ...]


def check(format_id: str, teams: list[str]) -> tuple[FormatInfo, list[TeamCheck]]:
    """The format's facts and, for each team in order, its packed form or its errors."""
    install = require_install()
    request = json.dumps({"format": format_id, "teams": teams})
    kept = _kept(request)
    if kept is not None and kept.is_file():
        reply = json.loads(kept.read_text(encoding="utf-8"))
    else:
        reply = _validate(install, request)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            partial = kept.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(reply), encoding="utf-8")
            partial.replace(kept)  # whole or absent, when runs check at once
    if not reply["exists"]:
        raise ArenaError(f"unknown format {format_id!r}: Showdown has no such format")
    info = FormatInfo(format_id, reply["name"], reply["needsTeam"], reply["gameType"])
    checks = [TeamCheck(t["packed"], tuple(t["errors"])) for t in reply["teams"]]
    return info, checks


def _validate(install: Path, request: str) -> dict:
    result = subprocess.run(
        [node_executable(), str(_SCRIPT), str(install)],
        input=request,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ArenaError(f"Showdown's team validator failed: {last}", exit_code=1)
    return json.loads(result.stdout)


def _kept(request: str) -> Path | None:
    """Where the answer to `request` is kept for this install and this checker; None for
    an install without the lockfile that identifies it (its answers are not kept)."""
    lockfile = paths.showdown_dir() / "package-lock.json"
    if not lockfile.is_file():
        return None
    key = hashlib.sha256()
    for part in (lockfile, _SCRIPT):
        key.update(part.read_bytes())
    key.update(request.encode())
    return paths.home() / "cache" / "validator" / f"{key.hexdigest()}.json"
