"""A dataset on disk: shards of decisions and a manifest that vouches for them.

A dataset directory holds `manifest.json` and shards `shard-NNNNN.npz`, each a
`Decisions`' arrays (observations under `obs/<name>`). The manifest records what was
asked for (the query), which battles are in (so a rebuild adds only new ones), the
feature and action versions the observations were encoded with, the agents (shards store
indices into this list, which only ever grows), counts, and the sha256 of every shard, so
a changed or truncated shard is refused instead of silently training on it.
"""

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from arena.errors import ArenaError
from arena.models.neural.actions import ACTION_VERSION
from arena.models.neural.features import FEATURE_VERSION
from arena.training.data.decisions import COMPONENTS, Decisions

MANIFEST = "manifest.json"
KIND = "arena-dataset"
LAYOUT_VERSION = 1
_ROWS = [f.name for f in fields(Decisions) if f.name not in ("observations", "agents")]


@dataclass
class Manifest:
    query: dict
    feature_version: int = FEATURE_VERSION
    action_version: int = ACTION_VERSION
    agents: list[str] = field(default_factory=list)
    battles: list[int] = field(default_factory=list)
    shards: list[dict] = field(default_factory=list)  # {file, sha256, decisions, battles}
    # an imported replay's battle id → per side, its Pokémon whose sets (or whose very
    # presence) came from the team pool rather than from the log
    inferred: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    teacher: dict | None = None  # {"name", "identity"} (`arena.training.data.teacher`)

    @property
    def decisions(self) -> int:
        return sum(s["decisions"] for s in self.shards)

    def as_json(self) -> dict:
        return {
            "kind": KIND,
            "layout_version": LAYOUT_VERSION,
            "feature_version": self.feature_version,
            "action_version": self.action_version,
            "components": list(COMPONENTS),
            "query": self.query,
            "teacher": self.teacher,
            "counts": {"battles": len(self.battles), "decisions": self.decisions},
            "agents": self.agents,
            "battles": self.battles,
            "shards": self.shards,
        } | ({"inferred": self.inferred} if self.inferred else {})

    def agent_index(self, name: str) -> int:
        if name not in self.agents:
            self.agents.append(name)
        return self.agents.index(name)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_dataset(directory: Path) -> bool:
    return (directory / MANIFEST).is_file()


def read_manifest(directory: Path) -> Manifest:
    """The manifest of a dataset directory; one line naming the problem otherwise."""
    path = directory / MANIFEST
    if not path.is_file():
        raise ArenaError(f"{directory} is not a dataset (no {MANIFEST})")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ArenaError(f"{path} is not a readable dataset manifest: {error}") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ArenaError(f"{directory} is not a dataset ({MANIFEST} is not arena's)")
    return Manifest(
        query=data["query"],
        feature_version=data["feature_version"],
        action_version=data["action_version"],
        agents=data["agents"],
        battles=data["battles"],
        shards=data["shards"],
        inferred=data.get("inferred", {}),
        teacher=data.get("teacher"),
    )


def check_versions(directory: Path, manifest: Manifest) -> None:
    if manifest.feature_version != FEATURE_VERSION:
        raise ArenaError(
            f"{directory} holds features version {manifest.feature_version}; this arena "
            f"encodes version {FEATURE_VERSION}: rebuild it with `arena data build`"
        )
    if manifest.action_version != ACTION_VERSION:
        raise ArenaError(
            f"{directory} holds actions version {manifest.action_version}; this arena "
            f"uses version {ACTION_VERSION}: rebuild it with `arena data build`"
        )


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Atomically: a reader sees the old manifest or the new one, never half of one."""
    temporary = directory / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest.as_json(), indent=1))
    os.replace(temporary, directory / MANIFEST)


def write_shard(path: Path, decisions: Decisions) -> str:
    """Writes the shard (agent indices must already be the manifest's); its sha256."""
    arrays = {name: getattr(decisions, name) for name in _ROWS}
    arrays |= {f"obs/{key}": value for key, value in decisions.observations.items()}
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        np.savez_compressed(handle, **arrays)
    os.replace(temporary, path)
    return sha256_of(path)


def read_shard(path: Path, agents: list[str]) -> Decisions:
    with np.load(path) as data:
        observations = {k.removeprefix("obs/"): data[k] for k in data.files if "/" in k}
        # a dataset written before teachers has no `teacher` array: it has no targets
        rows = {name: data[name] for name in _ROWS if name in data.files}
    return Decisions(observations=observations, agents=list(agents), **rows)


def verified_shards(directory: Path, manifest: Manifest) -> list[Path]:
    """The shard paths, each checked against the sha256 its manifest recorded."""
    paths = []
    for shard in manifest.shards:
        path = directory / shard["file"]
        if not path.is_file():
            raise ArenaError(f"{path} is missing: rebuild the dataset with `arena data build`")
        if sha256_of(path) != shard["sha256"]:
            raise ArenaError(
                f"{path} is changed or truncated (its sha256 differs from the manifest's): "
                "rebuild the dataset with `arena data build`"
            )
        paths.append(path)
    return paths


def load_one(directory: Path) -> Decisions | None:
    manifest = read_manifest(directory)
    check_versions(directory, manifest)
    parts = [read_shard(p, manifest.agents) for p in verified_shards(directory, manifest)]
    return Decisions.concat(parts) if parts else None


def load(dirs: Sequence[Path]) -> Decisions:
    """Every decision of the given datasets, checked and joined into one table."""
    if not dirs:
        raise ArenaError("no dataset given")
    parts = [part for d in dirs if (part := load_one(Path(d))) is not None]
    if not parts or not sum(len(p) for p in parts):
        raise ArenaError(f"{', '.join(str(d) for d in dirs)}: the dataset holds no decisions")
    return parts[0] if len(parts) == 1 else Decisions.concat(parts)


def manifest_sha256(dirs: Sequence[Path]) -> str:
    """A digest of exactly the data in `dirs` (their shards and versions), whatever their
    paths or order: what a model records as the data it was trained on."""
    entries = []
    for directory in dirs:
        manifest = read_manifest(Path(directory))
        entries.append(
            json.dumps(
                [
                    manifest.feature_version,
                    manifest.action_version,
                    sorted(s["sha256"] for s in manifest.shards),
                ]
            )
        )
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
