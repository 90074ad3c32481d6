"""arena's defaults: `config/arena.yaml`, installed as package data, which flags override.

The checkout's top-level `config/` directory is the package `arena.shipped` (mapped in
pyproject.toml), so a wheel carries the defaults and team pools and an editable checkout
reads the files in place.
"""

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(str(resources.files("arena.shipped")))


def team_dir(format_id: str) -> Path:
    """The shipped team pool's directory for a format (it may not exist)."""
    return CONFIG_DIR / "teams" / format_id


@cache
def defaults() -> dict[str, Any]:
    return yaml.safe_load((CONFIG_DIR / "arena.yaml").read_text())
