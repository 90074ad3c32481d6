"""A killed arena leaves nothing running: its worker processes, multiprocessing's resource
tracker and its simulator hosts end with it, SIGKILL included, at whatever moment it dies.

Each run gets a mark of its own in its environment, which everything it starts inherits,
so what is found afterwards is that run's and no one else's, whoever its parent now is.
"""

import contextlib
import os
import secrets
import signal
import time

import pytest

from arena.training.data.build import CHUNK
from tests.conftest import marked_processes, run_arena, start_arena

MARK_ENV = "ARENA_TEST_KILLED"
WORKER = b"multiprocessing.spawn"  # in every spawned worker's command line
HOST = b"host.js"
APPEAR = 120.0  # seconds a loaded machine may take to start the run's processes
END = 60.0  # seconds for a worker killed mid-import to reach its first line and end


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    """Two chunks of a dataset build's battles, so that both of its workers start."""
    db = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'arena.db'}"
    result = run_arena(
        "tournament",
        "--db",
        db,
        "--agents",
        "random,max-power",
        "--games-per-pair",
        str(CHUNK + 2),
        "--name",
        "short",
    )
    assert result.returncode == 0, result.stderr
    return db


def _wait_for(what, limit: float) -> bool:
    """Whether `what()` came true within `limit` seconds."""
    deadline = time.monotonic() + limit
    while not what():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _kill_when(monkeypatch, ready, *args: str) -> list[str]:
    """Starts `arena ARGS`, SIGKILLs it once `ready(its processes)` holds, and returns the
    command lines of what of the run still runs once it has had time to end (then killed,
    so that a failure leaves nothing behind either)."""
    token = secrets.token_hex(8)
    monkeypatch.setenv(MARK_ENV, token)
    mark = f"{MARK_ENV}={token}"
    arena = start_arena(*args)
    try:

        def started():
            assert arena.poll() is None, f"arena ended first: {arena.communicate()[1]}"
            children = {p: c for p, c in marked_processes(mark).items() if p != arena.pid}
            return ready(children)

        assert _wait_for(started, APPEAR), "the run's processes never appeared"
    finally:
        arena.kill()
        arena.wait()
        arena.stdout.close()  # not read to its end: a worker left running holds it open
        arena.stderr.close()
    deadline = time.monotonic() + END
    while (left := marked_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return [cmdline.replace(b"\0", b" ").decode()[:120] for cmdline in left.values()]


def _workers_started(processes: dict[int, bytes]) -> bool:
    return sum(WORKER in cmdline for cmdline in processes.values()) == 2


def _workers_playing(processes: dict[int, bytes]) -> bool:
    return sum(HOST in cmdline for cmdline in processes.values()) >= 2


def test_a_killed_data_build_leaves_no_worker(monkeypatch, store_url, tmp_path):
    args = ("data", "build", "--db", store_url, "--out", str(tmp_path / "d"), "--workers", "2")
    assert _kill_when(monkeypatch, _workers_started, *args) == []


@pytest.mark.parametrize(
    "moment", [_workers_started, _workers_playing], ids=["starting", "playing"]
)
def test_a_killed_tournament_leaves_no_worker_and_no_host(monkeypatch, tmp_path, moment):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    args = ("tournament", "--db", db, "--agents", "random,max-power", "--workers", "2")
    assert _kill_when(monkeypatch, moment, *args, "--games-per-pair", "200") == []
