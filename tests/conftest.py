"""Shared fixtures: one real Showdown server for the session, and process inspection."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from arena.showdown import ShowdownServer
from arena.showdown.server import free_port

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def server():
    """A real local Showdown server on a free loopback port, stopped after the session."""
    showdown = ShowdownServer()
    info = showdown.start()
    yield info
    showdown.stop()


def showdown_pids() -> set[int]:
    """Every running process of the pinned Showdown install."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"pokemon-showdown" in cmdline and b"node" in cmdline.split(b"\0")[0]:
            pids.add(int(entry.name))
    return pids


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
