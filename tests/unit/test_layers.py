"""Imports point one way: a package of arena imports only the packages below it, so a
reader can learn the code bottom up and a lower layer never drags in a higher one."""

import ast
from pathlib import Path

from tests.conftest import REPO

# lowest first; a package may import its own modules and any package before it
LAYERS = (
    ("arena.errors", "arena.paths", "arena.config", "arena.logs", "arena.aio", "arena.kinds"),
    ("arena.lifetime",),
    ("arena.showdown",),
    ("arena.models",),
    ("arena.game",),
    ("arena.store",),
    ("arena.rating",),
    ("arena.matchmaking",),
    ("arena.report",),
    ("arena.gate",),
    ("arena.ladder",),
    ("arena.training.data",),
    ("arena.training.learn",),
    ("arena.training.lineage",),
    ("arena.web",),
    ("arena.cli", "arena.__main__"),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}


def _package(module: str) -> str | None:
    """The layer a module belongs to: its longest prefix named in LAYERS."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in RANK:
            return ".".join(parts[:end])
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[0] in ("models", "training"):
        parts.insert(0, "arena")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _sources():
    for folder in ("arena", "models", "training"):
        for path in (REPO / folder).rglob("*.py"):
            if "node_modules" not in path.parts and "migrations" not in path.parts:
                yield path


def test_every_package_has_a_layer():
    unplaced = {_module_name(p) for p in _sources() if _package(_module_name(p)) is None}
    assert unplaced - {"arena", "arena.training"} == set()  # packages that only hold others


def test_no_package_imports_one_above_it():
    upward = []
    for path in _sources():
        mine = _package(_module_name(path))
        for imported in _imports(path):
            theirs = _package(imported)
            if mine and theirs and RANK[theirs] > RANK[mine]:
                upward.append(f"{_module_name(path)} imports {imported}")
    assert upward == []
