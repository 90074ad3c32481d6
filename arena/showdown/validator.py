"""Format and team checks by the installed Showdown's own validator, before any battle.

One node process checks a whole batch, so a run pays Showdown's start-up once and a bad
team is named before a server or a player is started.
"""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

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
    reply = json.loads(result.stdout)
    if not reply["exists"]:
        raise ArenaError(f"unknown format {format_id!r}: Showdown has no such format")
    info = FormatInfo(format_id, reply["name"], reply["needsTeam"], reply["gameType"])
    checks = [TeamCheck(t["packed"], tuple(t["errors"])) for t in reply["teams"]]
    return info, checks
