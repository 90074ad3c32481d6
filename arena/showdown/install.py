"""Where the npm-installed Showdown lives and what it needs before it can start.

`arena setup` copies the lockfile shipped beside this module into the per-user data
directory (`arena.paths`) and runs `npm ci` there, so an installed wheel never writes
into its own package; it does nothing when that lockfile is already installed.

Showdown reads `config/config.js` from its own directory, so arena writes one
there from the shipped example plus a hook that reads per-server overrides from the
environment: several servers can share the install with different settings.
"""

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from arena import paths
from arena.errors import ArenaError

SETUP_HINT = "run `arena setup`"
NPM_FILES = ("package.json", "package-lock.json")
CONFIG_ENV = "ARENA_SHOWDOWN_CONFIG"
_CONFIG_HOOK = f"""
// arena: per-server overrides, passed as JSON in ${CONFIG_ENV}.
Object.assign(exports, JSON.parse(process.env.{CONFIG_ENV} || '{{}}'));
"""


def install_dir() -> Path:
    return paths.showdown_dir() / "node_modules" / "pokemon-showdown"


def installed() -> bool:
    """Whether the shipped lockfile is the one installed."""
    return (install_dir() / "pokemon-showdown").is_file() and lockfile_installed(
        "arena.showdown", paths.showdown_dir()
    )


def install() -> Path:
    """Installs the pinned Showdown with `npm ci` from the shipped lockfile."""
    target = paths.showdown_dir()
    if installed():
        return target
    node_executable()
    npm_ci("arena.showdown", target)
    return target


def lockfile_installed(package: str, target: Path) -> bool:
    """Whether the npm project shipped in `package` is the one installed in `target`."""
    return all(
        (target / name).is_file()
        and (target / name).read_bytes() == _shipped(package, name).read_bytes()
        for name in NPM_FILES
    )


def npm_ci(package: str, target: Path) -> None:
    """Installs the npm project shipped in `package` (its package.json and lockfile) in
    `target` with `npm ci`: an installed wheel never writes into its own package."""
    npm = shutil.which("npm")
    if npm is None:
        raise ArenaError(f"npm is required to install {target} but is not on PATH", exit_code=1)
    target.mkdir(parents=True, exist_ok=True)
    for name in NPM_FILES:
        shutil.copyfile(_shipped(package, name), target / name)
    result = subprocess.run(
        [npm, "ci", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"]
        + ["--loglevel=error"],
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ArenaError(f"npm ci failed in {target}: {last}", exit_code=1)


def _shipped(package: str, name: str) -> Path:
    return Path(str(resources.files(package) / name))


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
