"""Where arena keeps what it writes outside the store: the per-user data directory.

An installed package must not write beside its own code, so the Showdown install and
the servers' run files and logs live in the user's data directory (`platformdirs`, e.g.
`~/.local/share/arena`), or in `$ARENA_HOME` when set (tests, several installs side by
side).
"""

import os
from pathlib import Path

from platformdirs import user_data_dir

HOME_ENV = "ARENA_HOME"


def home() -> Path:
    return Path(os.environ.get(HOME_ENV) or user_data_dir("arena")).resolve()


def showdown_dir() -> Path:
    """The npm project the Showdown server is installed in by `arena setup`."""
    return home() / "showdown"


def run_dir() -> Path:
    """Local servers' run files and logs."""
    path = home() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path
