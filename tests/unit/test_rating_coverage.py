"""The coverage bench on a few cells: arena's 95% Bradley–Terry intervals hold the true
rating at least 93% of the time, where the old pair bootstrap did not."""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_rating_coverage", REPO / "scripts" / "bench_rating_coverage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_intervals_hold_the_true_rating_in_every_small_grid_cell(bench):
    for numbered in enumerate(bench.grid(quick=True)):
        ours, _ = bench.run_cell(numbered, runs=100, seed=0)
        cell = numbered[1]
        assert ours.coverage >= bench.TARGET, cell
        assert ours.width < 2500, cell  # honest, not useless


def test_the_old_bootstrap_misses_where_arenas_intervals_hold(bench):
    cell = bench.Cell(10, 1000, 4, 0.0, "round-robin")
    ours, before = bench.run_cell((0, cell), runs=60, seed=0, bootstrap_runs=60, resamples=60)
    assert before.coverage < 0.85 <= bench.TARGET <= ours.coverage
