"""The opponent's hidden team, sampled from what a player has seen (determinisation).

A search needs whole teams to simulate, but a player sees only the opposing Pokémon that
have come out and the moves they have used. Each sample ("world") keeps everything seen and
fills in the rest from the team pool's sets that agree with it: the pool team that agrees
with the most Pokémon seen, its matching sets for them, and its other members for the
Pokémon not yet seen. Where no pool set agrees (a set from elsewhere, a format without a
pool), the format's own random-battle sets fill the gaps, and failing those the species'
learnset. Nothing here reads anything but the player's view: the real team never reaches it.
"""

import functools
import random
from dataclasses import dataclass
from pathlib import Path

import orjson
from poke_env.battle import AbstractBattle
from poke_env.data import GenData, to_id_str
from poke_env.teambuilder import Teambuilder

from arena.config import team_dir
from arena.showdown.install import install_dir

STATS = ("hp", "atk", "def", "spa", "spd", "spe")
NOT_CHOSEN = {"struggle", "recharge"}  # moves a Pokémon uses without having them in its set
MOVES_PER_SET = 4


@dataclass(frozen=True)
class KnownSet:
    """One Pokémon's set as the simulator takes it (ids for species and moves)."""

    species: str
    moves: tuple[str, ...]
    level: int = 100
    evs: tuple[int, ...] | None = None
    ivs: tuple[int, ...] | None = None

    def as_set(self) -> dict:
        entry = {"species": self.species, "name": self.species, "moves": list(self.moves)}
        entry["level"] = self.level
        if self.evs is not None:
            entry["evs"] = dict(zip(STATS, self.evs, strict=True))
        if self.ivs is not None:
            entry["ivs"] = dict(zip(STATS, self.ivs, strict=True))
        return entry


@dataclass(frozen=True)
class Sighting:
    """What a player has seen of one opposing Pokémon: its species, level and moves used."""

    species: str
    level: int
    moves: frozenset[str]

    def agrees(self, candidate: KnownSet) -> bool:
        return (
            candidate.species == self.species
            and candidate.level == self.level
            and self.moves <= set(candidate.moves)
        )


def sightings(battle: AbstractBattle) -> list[Sighting]:
    """The opposing Pokémon this player has seen, the active one first."""
    seen = sorted(battle.opponent_team.values(), key=lambda mon: not mon.active)
    return [
        Sighting(mon.species, mon.level, frozenset(set(mon.moves) - NOT_CHOSEN)) for mon in seen
    ]


def opponent_team_size(battle: AbstractBattle) -> int:
    """How many Pokémon the opponent brought, as the battle announced (`|teamsize|`, kept
    by poke-env 0.16.1 in `_team_size`, which it does not expose)."""
    role = battle.opponent_role or ("p2" if battle.player_role == "p1" else "p1")
    return max(battle._team_size.get(role, 6), len(battle.opponent_team))


def parse_team(text: str) -> tuple[KnownSet, ...]:
    """A Showdown export team as sets (poke-env's parser: no Node needed)."""
    sets = []
    for mon in Teambuilder.parse_showdown_team(text.replace("\r\n", "\n").strip()):
        species = to_id_str(mon.species or mon.nickname or "")
        moves = tuple(to_id_str(move) for move in mon.moves)
        evs = tuple(mon.evs) if mon.evs else None
        ivs = tuple(mon.ivs) if mon.ivs else None
        sets.append(KnownSet(species, moves, mon.level or 100, evs, ivs))
    return tuple(sets)


@functools.cache
def shipped_pool(battle_format: str) -> tuple[tuple[KnownSet, ...], ...]:
    """The shipped team pool's teams for the format (none for a format without one)."""
    directory = team_dir(battle_format)
    if not directory.is_dir():
        return ()
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    return tuple(team for team in (parse_team(p.read_text()) for p in files) if team)


@functools.cache
def random_battle_sets(gen: int) -> dict[str, dict]:
    """Showdown's random-battle data for the generation, by species id (may be empty)."""
    path = install_dir() / "dist" / "data" / "random-battles" / f"gen{gen}" / "data.json"
    return orjson.loads(Path(path).read_bytes()) if path.is_file() else {}


def _moves_in(entry: object) -> set[str]:
    """Every move named anywhere in a random-battle entry (its moves, essential, combo and
    exclusive moves, or its sets' movepools, by generation)."""
    if isinstance(entry, dict):
        found: set[str] = set()
        for key, value in entry.items():
            if key.lower().endswith(("moves", "movepool")) and isinstance(value, list):
                found.update(to_id_str(m) for m in value if isinstance(m, str))
            elif isinstance(value, list | dict):
                found |= _moves_in(value)
        return found
    if isinstance(entry, list):
        return set().union(*(_moves_in(item) for item in entry)) if entry else set()
    return set()


class Determiniser:
    """Samples the opponent's whole team for one battle's view, from a pool of teams."""

    def __init__(self, teams: tuple[tuple[KnownSet, ...], ...], gen: int):
        self.teams = teams
        self.gen = gen
        self.sets = [s for team in teams for s in team]

    @classmethod
    def for_format(cls, battle_format: str, gen: int) -> "Determiniser":
        return cls(shipped_pool(battle_format), gen)

    def sample(self, seen: list[Sighting], team_size: int, rng: random.Random) -> list[KnownSet]:
        """One world: a set for each Pokémon seen (in order), then the unseen ones."""
        team = self._closest_team(seen, rng)
        chosen = [self._set_for(sighting, team, rng) for sighting in seen]
        taken = {s.species for s in chosen}
        spare = [s for s in team if s.species not in taken]
        rng.shuffle(spare)
        while len(chosen) < team_size:
            extra = spare.pop() if spare else self._unseen(taken, rng)
            if extra is None:
                break
            chosen.append(extra)
            taken.add(extra.species)
        return chosen

    def _closest_team(self, seen: list[Sighting], rng: random.Random) -> tuple[KnownSet, ...]:
        """A pool team agreeing with the most Pokémon seen (drawn among the best)."""
        if not self.teams:
            return ()
        scores = [sum(any(s.agrees(c) for c in team) for s in seen) for team in self.teams]
        best = max(scores)
        return rng.choice([t for t, score in zip(self.teams, scores, strict=True) if score == best])

    def _set_for(
        self, sighting: Sighting, team: tuple[KnownSet, ...], rng: random.Random
    ) -> KnownSet:
        in_team = [c for c in team if sighting.agrees(c)]
        if in_team:
            return rng.choice(in_team)
        anywhere = [c for c in self.sets if sighting.agrees(c)]
        if anywhere:
            return rng.choice(anywhere)
        return self._legal_set(sighting.species, sighting.level, sighting.moves, rng)

    def _unseen(self, taken: set[str], rng: random.Random) -> KnownSet | None:
        """A Pokémon of a species not on the team yet: from the pool, else the format's
        random-battle species."""
        pooled = [s for s in self.sets if s.species not in taken]
        if pooled:
            return rng.choice(pooled)
        species = sorted(set(random_battle_sets(self.gen)) - taken)
        if not species:
            return None
        pick = rng.choice(species)
        level = random_battle_sets(self.gen)[pick].get("level", 100)
        return self._legal_set(pick, level, frozenset(), rng)

    def _legal_set(
        self, species: str, level: int, known: frozenset[str], rng: random.Random
    ) -> KnownSet:
        """The moves seen, completed from the species' random-battle moves (else its
        learnset) up to four."""
        moves = sorted(known)[:MOVES_PER_SET]
        pool = sorted(_moves_in(random_battle_sets(self.gen).get(species, {})) - set(moves))
        if not pool:
            learnset = GenData.from_gen(self.gen).learnset.get(species, {}).get("learnset", {})
            pool = sorted(set(learnset) - set(moves))
        moves += rng.sample(pool, min(len(pool), MOVES_PER_SET - len(moves)))
        evs = (252,) * 6 if self.gen <= 2 else (84,) * 6
        return KnownSet(species, tuple(moves), level, evs)
