"""A replay player's own team, completed from a team pool: what the player knew and the
spectator log does not show (stats, unrevealed moves and Pokémon).

The log reveals each Pokémon of a side it sent out, and the moves it used. A pool team is
consistent with that when it leads with the side's lead and holds every revealed Pokémon
with every revealed move; the first consistent team (in the pool's file order) completes
the side. Without one, each revealed Pokémon takes the first consistent set of its species
from anywhere in the pool, or keeps only what was revealed. Everything the log did not
show is marked inferred.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

from poke_env.data import GenData, to_id_str
from poke_env.stats import compute_raw_stats
from poke_env.teambuilder import Teambuilder, TeambuilderPokemon

STAT_NAMES = ("hp", "atk", "def", "spa", "spd", "spe")


@dataclass
class Revealed:
    """One Pokémon of a side as the spectator log shows it."""

    name: str  # as the log calls it (a nickname or the species)
    species: str
    details: str
    moves: list[str] = field(default_factory=list)  # ids, in the order first used


@dataclass
class OwnSet:
    """One Pokémon of the side's team as its player knew it."""

    name: str
    species: str
    details: str
    level: int
    moves: list[str]  # ids
    stats: dict[str, int]
    inferred: bool  # anything of it (moves, or the whole Pokémon) taken from the pool


def read_pool(directory: Path) -> list[list[TeambuilderPokemon]]:
    """The teams of a directory of Showdown export files, in file-name order."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    return [Teambuilder.parse_showdown_team(p.read_text()) for p in files if p.read_text().strip()]


def _species(mon: TeambuilderPokemon) -> str:
    return to_id_str(mon.species or mon.nickname or "")


def _fits(mon: TeambuilderPokemon, seen: Revealed) -> bool:
    return _species(mon) == to_id_str(seen.species) and set(seen.moves) <= {
        to_id_str(m) for m in mon.moves
    }


def _team_fits(team: list[TeambuilderPokemon], revealed: list[Revealed]) -> bool:
    if not team or not revealed or _species(team[0]) != to_id_str(revealed[0].species):
        return False
    return all(any(_fits(mon, seen) for mon in team) for seen in revealed)


def consistent(
    revealed: list[Revealed], pool: list[list[TeambuilderPokemon]]
) -> list[list[TeambuilderPokemon]]:
    """The pool's teams the side may have played: more than one, and what the log never
    showed of the side is a guess among them."""
    return [team for team in pool if _team_fits(team, revealed)]


def complete(
    revealed: list[Revealed], pool: list[list[TeambuilderPokemon]], gen: int
) -> list[OwnSet]:
    """The side's team in its order (the lead first), completed from the pool."""
    data = GenData.from_gen(gen)
    team = next(iter(consistent(revealed, pool)), None)
    if team is not None:
        by_species = {to_id_str(seen.species): seen for seen in revealed}
        return [_own(mon, by_species.get(_species(mon)), data) for mon in team]
    sets = []
    for seen in revealed:
        mon = next((m for t in pool for m in t if _fits(m, seen)), None)
        sets.append(_own(mon, seen, data) if mon is not None else _bare(seen, data))
    return sets


def _own(mon: TeambuilderPokemon, seen: Revealed | None, data: GenData) -> OwnSet:
    species = data.pokedex[_species(mon)]["name"]
    level = mon.level or 100
    moves = [to_id_str(m) for m in mon.moves]
    return OwnSet(
        name=seen.name if seen else (mon.nickname if mon.species else species),
        species=species,
        details=seen.details if seen else (species if level == 100 else f"{species}, L{level}"),
        level=level,
        moves=moves,
        stats=_stats(species, mon.evs, mon.ivs, level, mon.nature, data),
        inferred=seen is None or set(moves) != set(seen.moves),
    )


def _bare(seen: Revealed, data: GenData) -> OwnSet:
    level = _level(seen.details)
    return OwnSet(
        name=seen.name,
        species=seen.species,
        details=seen.details,
        level=level,
        moves=list(seen.moves),
        stats=_stats(seen.species, None, None, level, None, data),
        inferred=True,
    )


def _level(details: str) -> int:
    for part in details.split(", "):
        if part.startswith("L") and part[1:].isdigit():
            return int(part[1:])
    return 100


def _stats(species, evs, ivs, level: int, nature, data: GenData) -> dict[str, int]:
    """Showdown's stats of the set: its own formula with DVs before generation 3."""
    evs = list(evs or [252] * 6) if data.gen <= 2 else list(evs or [0] * 6)
    ivs = list(ivs or [31] * 6)
    if data.gen > 2:
        raw = compute_raw_stats(to_id_str(species), evs, ivs, level, nature or "serious", data)
        return dict(zip(STAT_NAMES, raw, strict=True))
    base = data.pokedex[to_id_str(species)]["baseStats"]
    dvs = [iv // 2 for iv in ivs]
    if data.gen == 1:
        dvs[4] = dvs[3]  # one Special DV
    dvs[0] = sum((dvs[k] % 2) << shift for k, shift in ((1, 3), (2, 2), (5, 1), (3, 0)))
    stats = {}
    for k, name in enumerate(STAT_NAMES):
        core = math.floor((2 * base[name] + 2 * dvs[k] + evs[k] // 4) * level / 100)
        stats[name] = core + (level + 10 if name == "hp" else 5)
    return stats
