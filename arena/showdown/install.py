"""Where the npm-installed Showdown lives and what it needs before it can start.

The install comes from the lockfile beside this module (`npm ci`, run by the set-up
script). Showdown reads `config/config.js` from its own directory, so arena writes one
there from the shipped example plus a hook that reads per-server overrides from the
environment: several servers can share the install with different settings.
"""

import os
import shutil
import subprocess
from pathlib import Path

from arena.errors import ArenaError

SETUP_HINT = "run `bash scripts/setup.sh` in the arena checkout"
CONFIG_ENV = "ARENA_SHOWDOWN_CONFIG"
_CONFIG_HOOK = f"""
// arena: per-server overrides, passed as JSON in ${CONFIG_ENV}.
Object.assign(exports, JSON.parse(process.env.{CONFIG_ENV} || '{{}}'));
"""


def runtime_root() -> Path:
    """The folder holding the npm lockfile, node_modules and the servers' run files."""
    return Path(os.environ.get("ARENA_SHOWDOWN_DIR", Path(__file__).parent)).resolve()


def install_dir() -> Path:
    return runtime_root() / "node_modules" / "pokemon-showdown"


def run_dir() -> Path:
    path = runtime_root() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise ArenaError(
            f"Node.js 18+ is required but `node` is not on PATH: install it, then {SETUP_HINT}",
            exit_code=1,
        )
    major = subprocess.run(
        [node, "-p", "process.versions.node.split('.')[0]"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not major.isdigit() or int(major) < 18:
        raise ArenaError(
            f"Node.js 18+ is required, found node {major or '?'}: upgrade it, then {SETUP_HINT}",
            exit_code=1,
        )
    return node


def require_install() -> Path:
    """The install directory, ready to start: config written and folders created."""
    root = install_dir()
    if not (root / "pokemon-showdown").is_file():
        raise ArenaError(f"Showdown is not installed in {root.parent}: {SETUP_HINT}", exit_code=1)
    _write_config(root)
    for folder in ("logs/repl", "logs/chat", "config/chat-plugins", "databases"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return root


def _write_config(root: Path) -> None:
    example = (root / "config" / "config-example.js").read_text()
    wanted = example + _CONFIG_HOOK
    target = root / "config" / "config.js"
    if target.is_file() and target.read_text() == wanted:
        return
    partial = target.with_suffix(f".js.{os.getpid()}.tmp")
    partial.write_text(wanted)
    partial.replace(target)
