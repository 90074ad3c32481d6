"""Every script in scripts/ runs: each parses its options and imports what it needs, and the
cheap ones play a tiny real run, so a benchmark cannot rot unnoticed."""

import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPTS = sorted(p.name for p in (REPO / "scripts").glob("*.py"))

TINY_RUNS = {
    "bench_rating_coverage.py": ["--quick"],
    "bench_search.py": ["--rungs", "2", "--games", "2", "--pairings", "peer", "--sets", "shipped"],
    "bench_transport.py": ["--games-per-pair", "2", "--per-player", "2"],
    "bench_tournament.py": ["--selfplay", "--games-per-pair", "2", "--concurrency", "2"],
}


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_starts(script):
    done = _run(script, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout


@pytest.mark.parametrize("script", sorted(TINY_RUNS))
def test_script_runs_at_a_tiny_size(script):
    done = _run(script, *TINY_RUNS[script])
    assert done.returncode == 0, done.stderr[-2000:]
