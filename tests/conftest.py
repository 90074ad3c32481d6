"""Shared fixtures: one real Showdown server for the session, and process inspection."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from arena.showdown import ShowdownServer

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


def run_arena(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The `arena` command as a user runs it, with the tests' helper agents importable."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "arena", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )
