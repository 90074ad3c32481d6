"""Every script in scripts/ runs: each parses its options and imports what it needs, and the
cheap ones play a tiny real run, so a benchmark cannot rot unnoticed."""

import importlib.util
import subprocess
import sys

import pytest

from arena.store.database import Store
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


def test_tournament_benchmark_plays_with_the_workers_it_names(tmp_path):
    """Its runs are set up the way `arena tournament` sets them up (the format's teams are
    checked, hence the simulator)."""
    spec = importlib.util.spec_from_file_location("bench", REPO / "scripts/bench_tournament.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    store = Store.open(f"sqlite:///{tmp_path / 'bench.db'}")
    run = bench.arena_run(store, "w", ["random", "max-power"], "gen1randombattle", 2, 2, 3)
    assert run.config.workers == 3
