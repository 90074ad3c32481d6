"""Shared fixtures: one real Showdown server for the session, and process inspection.

The session gets an arena home of its own (the shared Showdown install linked in) and
a mark in its environment that every process it starts inherits, so what it finds on
the machine, run files or Showdown processes, is its own and not another run's.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from arena import paths
from arena.showdown import ShowdownServer
from arena.showdown.server import free_port

REPO = Path(__file__).resolve().parent.parent
SESSION_ENV = "ARENA_TEST_SESSION"
INSTALL_FILES = ("node_modules", "package.json", "package-lock.json")


def link_install(home: Path) -> Path:
    """`home` as an arena home that uses the current home's Showdown and chart installs."""
    (home / "showdown").mkdir(parents=True)
    for name in INSTALL_FILES:
        (home / "showdown" / name).symlink_to(paths.showdown_dir() / name)
    if (paths.home() / "web").is_dir():
        (home / "web").symlink_to(paths.home() / "web")
    return home


def pytest_configure(config):
    home = link_install(Path(tempfile.mkdtemp(prefix="arena-tests-")))
    os.environ[paths.HOME_ENV] = str(home)
    os.environ[SESSION_ENV] = secrets.token_hex(8)
    config.arena_home = home


def pytest_collection_modifyitems(items):
    """Each test carries its tier's marker (`-m unit`, `-m integration`), from its folder."""
    for item in items:
        tier = item.path.parent.name
        if tier in ("unit", "integration"):
            item.add_marker(tier)


def pytest_unconfigure(config):
    shutil.rmtree(config.arena_home, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    """A real local Showdown server on a free loopback port, stopped after the session."""
    showdown = ShowdownServer()
    info = showdown.start()
    yield info
    showdown.stop()


def marked_processes(mark: str) -> dict[int, bytes]:
    """Every running process with `mark` (NAME=VALUE) in its environment, by pid, with its
    command line (NUL-separated); an ended process (a zombie) shows no environment."""
    wanted = mark.encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted in environ:
            found[int(entry.name)] = cmdline
    return found


def showdown_pids() -> set[int]:
    """Every running Showdown process this test session started, directly or through
    arena: they carry the session's mark in their environment; other runs' do not."""
    mark = f"{SESSION_ENV}={os.environ[SESSION_ENV]}"
    return {
        pid
        for pid, cmdline in marked_processes(mark).items()
        if b"node" in cmdline.split(b"\0")[0] and b"pokemon-showdown" in cmdline
    }


ARENA = [sys.executable, "-m", "arena"]


def _env() -> dict[str, str]:
    """The environment as it is now, with the tests' helper agents importable."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_arena(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The `arena` command as a user runs it."""
    return subprocess.run(
        [*ARENA, *args], capture_output=True, text=True, timeout=timeout, env=_env(), cwd=REPO
    )


def start_arena(*args: str) -> subprocess.Popen:
    """The `arena` command in the background, its output captured as text."""
    return subprocess.Popen(
        [*ARENA, *args],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _postgres_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").is_file():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server on a free loopback port, for the store's tests."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed here (scripts/setup.sh --dev installs it)")
    root = Path(tempfile.mkdtemp(prefix="arena-postgres-"))  # reachable by the postgres user
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    as_user = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        os.chmod(root, 0o777)
        shutil.chown(sockets, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_user, bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "arena"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets}"
    subprocess.run(
        [
            *as_user,
            bin_dir / "pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-w",
            "-l",
            root / "postgres.log",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "arena", "arena_test"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://arena@127.0.0.1:{port}/arena_test"
    finally:
        subprocess.run(
            [*as_user, bin_dir / "pg_ctl", "-D", data, "-m", "fast", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)
