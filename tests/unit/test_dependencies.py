"""Every package arena's code imports is one it declares: a module that arrives only as
another package's dependency can vanish in a fresh install when that package changes."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO

SOURCES = ("arena", "models", "training")  # what installs as arena


def _imported_top_levels() -> dict[str, Path]:
    """Each third-party top-level module imported anywhere in arena, with one file that
    imports it."""
    found = {}
    for root in SOURCES:
        for path in (REPO / root).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in SOURCES:
                        found.setdefault(top, path.relative_to(REPO))
    return found


def _declared() -> set[str]:
    """The distributions pyproject.toml names, core and extras, normalised."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements.extend(extra)
    return {_normalise(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in requirements}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_a_declared_dependency():
    distributions = importlib.metadata.packages_distributions()
    declared = _declared()
    undeclared = {
        module: str(path)
        for module, path in _imported_top_levels().items()
        if not {_normalise(d) for d in distributions.get(module, [module])} & declared
    }
    assert undeclared == {}
