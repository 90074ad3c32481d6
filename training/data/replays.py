"""`arena data import`: replay files into the store, each one transaction or nothing.

Every file is read and checked first (`replay_files`); a whole replay is stored as one
battle of its two players in the `replays` tournament (kind `replay`, which no rating of
arena's own tournaments reads). A file refused says why in one line, and the reasons are
counted, so a directory of a thousand downloads reports what it held.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Protocol

from poke_env.data import GenData

from arena.config import team_dir
from arena.errors import ArenaError
from arena.store.database import Store
from arena.store.replays import REPLAYS
from arena.store.tables import Battle, decompress_log
from arena.training.data.replay_files import BadReplay, read
from arena.training.data.replay_sets import OwnSet, complete, read_pool
from arena.training.data.replay_view import revealed, side_log


@dataclass
class Imported:
    stored: int = 0
    refused: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason)

    @property
    def counts(self) -> Counter:
        """Refusals per kind of reason (`malformed`, `truncated`, `duplicate`, …)."""
        return Counter(reason.partition(":")[0] for _, reason in self.refused)


def import_files(
    store: Store,
    paths: Iterable[Path],
    battle_format: str | None = None,
    on_file: Callable[[Path, str | None], None] = lambda path, refusal: None,
) -> Imported:
    """Stores every whole replay among `paths` not stored yet; `on_file` hears of each
    file with its refusal (None when stored)."""
    result = Imported()
    for path in paths:
        try:
            record = read(path, battle_format)
            if store.record_replay(record) is None:
                raise BadReplay(f"duplicate: replay {record.replay_id} is stored already")
        except BadReplay as refusal:
            result.refused.append((path, refusal.reason))
            on_file(path, refusal.reason)
            continue
        result.stored += 1
        on_file(path, None)
    return result


def replay_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the `.json` and `.log` files of the directories named."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".json", ".log"))
        else:
            found.append(path)
    return found


# -- what `arena data build` asks of them ---------------------------------------------


class _Dates(Protocol):
    since: str | None
    until: str | None


def stored_battles(store: Store) -> list[Battle]:
    """Every imported replay's battle, without its log."""
    tournament = store.tournament(REPLAYS)
    return store.battles([tournament.id]) if tournament is not None else []


def day(text: str) -> datetime:
    """A date (or date and time) as a flag gives it; one line when it is not one."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise ArenaError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def in_dates(battle: Battle, query: _Dates) -> bool:
    """Whether the battle finished (a replay: was uploaded) within the query's dates."""
    when = battle.finished_at.replace(tzinfo=None)
    if query.since is not None and when < day(query.since):
        return False
    return query.until is None or when < day(query.until)


def rated(store: Store, battles: list[Battle], min_rating: float | None) -> list[Battle]:
    """The battles, less the imported replays the replay site rated below `min_rating`
    (or not at all); arena's own battles have no such rating and stay."""
    if min_rating is None:
        return battles
    rows = store.replays_of(b.id for b in battles)
    return [
        b
        for b in battles
        if b.id not in rows or (rows[b.id].rating is not None and rows[b.id].rating >= min_rating)
    ]


@cache
def _pool(directory: str):
    return read_pool(Path(directory))


def _sets(lines: list[str], role: str, battle_format: str, teams: str | None) -> list[OwnSet]:
    """The side's team completed from the pool in `teams` (the format's shipped pool by
    default; none when there is no such directory)."""
    directory = Path(teams) if teams else team_dir(battle_format)
    pool = _pool(str(directory)) if directory.is_dir() else []
    return complete(revealed(lines, role), pool, GenData.from_format(battle_format).gen)


def player_log(spectator: str, role: str, battle_format: str, teams: str | None) -> str:
    """The log the player of `role` received, made from a replay's spectator log."""
    lines = spectator.split("\n")
    sets = _sets(lines, role, battle_format, teams)
    name = next(line.split("|")[3] for line in lines if line.startswith(f"|player|{role}|"))
    return side_log(lines, role, name, sets, GenData.from_format(battle_format).gen)


def inferred(battle: Battle, teams: str | None) -> dict[str, list[str]]:
    """Per side of an imported replay, its Pokémon whose sets the pool completed."""
    lines = decompress_log(battle.p1_log).split("\n")
    return {
        role: [s.name for s in _sets(lines, role, battle.format, teams) if s.inferred]
        for role in ("p1", "p2")
    }
