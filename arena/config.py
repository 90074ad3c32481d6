"""arena's defaults: `config/arena.yaml` in the checkout, which flags override."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


@cache
def defaults() -> dict[str, Any]:
    return yaml.safe_load((CONFIG_DIR / "arena.yaml").read_text())
