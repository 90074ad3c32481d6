"""Team pools: a directory of Showdown export files, checked by Showdown, sampled by seed.

Any directory of export-format team files is a pool, one team per file (the shipped
`config/teams/<format>/` and metamon's `*.<format>_team` sets alike). Every team is
validated for the format up front, so an illegal team stops a run before it starts.
"""

import random
from dataclasses import dataclass
from pathlib import Path

from arena.config import team_dir
from arena.errors import ArenaError
from arena.showdown import validator


@dataclass(frozen=True)
class Team:
    name: str
    packed: str


@dataclass(frozen=True)
class TeamPool:
    teams: tuple[Team, ...]

    def pairs(self, count: int, seed: int) -> list[tuple[Team, Team]]:
        """`count` team pairings, two different teams each where the pool allows."""
        rng = random.Random(seed)
        if len(self.teams) == 1:
            return [(self.teams[0], self.teams[0])] * count
        return [tuple(rng.sample(self.teams, 2)) for _ in range(count)]


def _read_files(directory: Path) -> list[tuple[str, str]]:
    if not directory.is_dir():
        raise ArenaError(f"team directory {directory} does not exist")
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    texts = [(p.name, p.read_text(errors="replace")) for p in files]
    texts = [(name, text) for name, text in texts if text.strip()]
    if not texts:
        raise ArenaError(f"team directory {directory} holds no team files")
    return texts


def load_pool(
    format_id: str, directory: Path | None
) -> tuple[validator.FormatInfo, TeamPool | None]:
    """The format's facts and its validated pool (None for formats that need no teams)."""
    chosen = directory or team_dir(format_id)
    files = _read_files(chosen) if directory is not None or chosen.is_dir() else []
    info, checks = validator.check(format_id, [text for _, text in files])
    if not info.needs_team:
        return info, None
    if not files:
        raise ArenaError(f"{format_id} needs teams and arena ships none for it: use --teams DIR")
    for (name, _), result in zip(files, checks, strict=True):
        if result.errors:
            raise ArenaError(
                f"team {chosen / name} is not legal in {format_id}: {result.errors[0]}"
            )
    return info, TeamPool(
        tuple(Team(name, r.packed) for (name, _), r in zip(files, checks, strict=True))
    )
