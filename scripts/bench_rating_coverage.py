"""How often the leaderboard's 95% Bradley–Terry intervals hold the true rating.

Agents of known strength play simulated tournaments over a grid: games per pair, the
spread of true ratings (evenly spaced from the anchor up), the field's size, the draw
rate between equals, round robin or gauntlet. Each cell prints, for arena's intervals
(`arena.rating.intervals.profile_intervals`) and for the percentile bootstrap over side-swapped
pairs that arena used before, the share of intervals that hold the true rating relative
to the anchor, their mean width (of the bounded ones) and the share left open on a side.
Seeded: the same command prints the same table.

    python scripts/bench_rating_coverage.py            # the full grid, cells on every core
    python scripts/bench_rating_coverage.py --quick    # a few cells
"""

import argparse
import itertools
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np

from arena.rating.fit import ELO_PER_NAT, fit
from arena.rating.intervals import profile_intervals

GAMES_PER_PAIR = (2, 4, 10, 30, 100)
SPREADS = (0, 400, 1000)  # Elo from the anchor to the strongest agent
FIELDS = (3, 5, 8)
DRAW_RATES = (0.0, 0.1)
SCHEDULES = ("round-robin", "gauntlet")
TARGET = 0.93  # a nominal 95% interval must hold the truth at least this often in every cell
# Tournaments per cell. A cell's coverage is the minimum's input, so its noise must sit well
# inside the 0.02 between nominal and target: 1,000 runs of a 3-agent cell (2,000 intervals,
# correlated through shared games) measure 0.95 to about +-0.01 at 95%; 200 measured one cell
# at 0.929 that 1,000 put at 0.946.
RUNS = 1000
PAIR_SCORES = np.array([0.0, 0.5, 1.0, 1.5, 2.0])  # a side-swapped pair's points, by kind


@dataclass(frozen=True)
class Cell:
    games_per_pair: int
    spread: float
    agents: int
    draw_rate: float
    schedule: str


@dataclass(frozen=True)
class Measured:
    coverage: float
    width: float  # mean width in Elo of the intervals bounded on both sides
    open: float  # share of intervals with a side left open
    error: float  # the coverage's standard error: runs are independent, their agents are not


def pairings(cell: Cell) -> list[tuple[int, int]]:
    """Agent 0 is the anchor; a gauntlet's candidate is the middle agent."""
    n = cell.agents
    if cell.schedule == "gauntlet":
        return [(n // 2, j) for j in range(n) if j != n // 2]
    return list(itertools.combinations(range(n), 2))


def simulate(cell: Cell, runs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per run, the count of side-swapped pairs of each kind (runs, pairings, 5), and the
    true log-strengths. A draw happens with `draw_rate` * 4p(1 - p) (the rate between
    equals, rarer as the gap grows), so the expected score is Bradley–Terry's p."""
    truth = np.linspace(0, cell.spread, cell.agents) / ELO_PER_NAT
    kinds = []
    for i, j in pairings(cell):
        p = 1 / (1 + np.exp(truth[j] - truth[i]))
        draw = cell.draw_rate * 4 * p * (1 - p)
        game = np.array([1 - p - draw / 2, draw, p - draw / 2])  # i's 0, 1/2, 1 point
        pair = np.convolve(game, game)  # the two games of a pair are independent
        kinds.append(rng.multinomial(cell.games_per_pair // 2, pair, size=runs))
    return np.stack(kinds, axis=1), truth


def tables(cell: Cell, counts: np.ndarray) -> np.ndarray:
    """Points and games tables (B, 2, N, N) from pair-kind counts (B, pairings, 5)."""
    n = cell.agents
    out = np.zeros((counts.shape[0], 2, n, n))
    for k, (i, j) in enumerate(pairings(cell)):
        points = counts[:, k] @ PAIR_SCORES
        pairs = counts[:, k].sum(axis=1)
        out[:, 0, i, j], out[:, 0, j, i] = points, 2 * pairs - points
        out[:, 1, i, j] = out[:, 1, j, i] = 2 * pairs
    return out


def arena_intervals(cell: Cell, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's intervals, relative to the anchor, in nats, widened to take in the rating."""
    data = tables(cell, counts)
    theta = fit(data)
    point = theta - theta[:, [0]]
    low, high = profile_intervals(data, 0)
    return point, np.minimum(low, point), np.maximum(high, point)


def bootstrap_intervals(
    cell: Cell, counts: np.ndarray, resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The percentile bootstrap arena used before: pairs resampled with replacement."""
    runs, kinds = counts.shape[0], counts.shape[1] * 5
    flat = counts.reshape(runs, kinds)
    total = flat.sum(axis=1)
    draws = np.stack(
        [rng.multinomial(total[r], flat[r] / total[r], size=resamples) for r in range(runs)]
    )
    resampled = tables(cell, draws.reshape(runs * resamples, -1, 5))
    theta = fit(resampled).reshape(runs, resamples, -1)
    samples = theta - theta[:, :, [0]]
    low, high = np.percentile(samples, [2.5, 97.5], axis=1)
    point = fit(tables(cell, counts))
    point = point - point[:, [0]]
    return point, np.minimum(low, point), np.maximum(high, point)


def measure(low: np.ndarray, high: np.ndarray, truth: np.ndarray) -> Measured:
    """Over every run and every agent but the anchor."""
    low, high = low[:, 1:] * ELO_PER_NAT, high[:, 1:] * ELO_PER_NAT
    true = (truth[1:] - truth[0]) * ELO_PER_NAT
    covered = (low <= true + 1e-6) & (true - 1e-6 <= high)
    bounded = np.isfinite(low) & np.isfinite(high)
    width = float((high - low)[bounded].mean()) if bounded.any() else float("inf")
    per_run = covered.mean(axis=1)
    error = float(per_run.std(ddof=1) / np.sqrt(len(per_run)))
    return Measured(float(covered.mean()), width, float(1 - bounded.mean()), error)


def run_cell(
    numbered: tuple[int, Cell], runs: int, seed: int, bootstrap_runs: int = 0, resamples: int = 0
) -> tuple[Measured, Measured | None]:
    """Arena's intervals on `runs` tournaments and, unless `bootstrap_runs` is 0, the
    bootstrap's on the first `bootstrap_runs` of them (it refits every resample). A cell's
    seed is `seed` plus its number in the grid, so the table does not depend on `--jobs`."""
    number, cell = numbered
    rng = np.random.default_rng(seed + number)
    counts, truth = simulate(cell, runs, rng)
    _, low, high = arena_intervals(cell, counts)
    ours = measure(low, high, truth)
    if not bootstrap_runs:
        return ours, None
    _, low, high = bootstrap_intervals(cell, counts[:bootstrap_runs], resamples, rng)
    return ours, measure(low, high, truth)


def grid(quick: bool) -> list[Cell]:
    if quick:
        return [
            Cell(2, 1000, 3, 0.0, "round-robin"),
            Cell(4, 0, 5, 0.1, "gauntlet"),
            Cell(10, 1000, 4, 0.0, "round-robin"),
            Cell(30, 400, 3, 0.1, "gauntlet"),
        ]
    axes = (GAMES_PER_PAIR, SPREADS, FIELDS, DRAW_RATES, SCHEDULES)
    return [Cell(*values) for values in itertools.product(*axes)]


def summary(results: list[tuple[Cell, Measured, Measured | None]]) -> None:
    """Per number of games per pair: the lowest and mean coverage and the mean width."""
    print(
        "\n| games/pair | cells | lowest coverage | mean | width | open "
        "| bootstrap: lowest | mean | width |"
    )
    print("|" + " ---: |" * 9)
    for games in sorted({cell.games_per_pair for cell, _, _ in results}):
        rows = [(ours, before) for cell, ours, before in results if cell.games_per_pair == games]
        ours = [o for o, _ in rows]
        before = [b for _, b in rows if b is not None]
        old = (
            f"{min(b.coverage for b in before):.3f} | {np.mean([b.coverage for b in before]):.3f}"
            f" | {np.mean([b.width for b in before]):.0f}"
            if before
            else "- | - | -"
        )
        print(
            f"| {games} | {len(rows)} | {min(o.coverage for o in ours):.3f} | "
            f"{np.mean([o.coverage for o in ours]):.3f} | {np.mean([o.width for o in ours]):.0f} | "
            f"{np.mean([o.open for o in ours]):.0%} | {old} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few cells, for a smoke test")
    parser.add_argument("--runs", type=int, default=RUNS, help="simulated tournaments per cell")
    parser.add_argument(
        "--bootstrap-runs", type=int, default=100, help="of those, rated by the bootstrap too"
    )
    parser.add_argument("--resamples", type=int, default=100, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count(), help="cells measured at once (processes)"
    )
    args = parser.parse_args()
    print(
        "| games/pair | spread | agents | draws | schedule "
        "| coverage | width | open | bootstrap coverage | width | open |"
    )
    print("|" + " ---: |" * 5 + " ---: |" * 6)
    results = []
    cells = grid(args.quick)
    measure_cell = partial(
        run_cell,
        runs=args.runs,
        seed=args.seed,
        bootstrap_runs=args.bootstrap_runs,
        resamples=args.resamples,
    )
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        measured = pool.map(measure_cell, enumerate(cells))
        for cell, (ours, before) in zip(cells, measured, strict=True):
            results.append((cell, ours, before))
            old = (
                f"{before.coverage:.3f} | {before.width:.0f} | {before.open:.0%}"
                if before
                else "- | - | -"
            )
            print(
                f"| {cell.games_per_pair} | {cell.spread:.0f} | {cell.agents} | "
                f"{cell.draw_rate:.0%} | {cell.schedule} | {ours.coverage:.3f} | "
                f"{ours.width:.0f} | {ours.open:.0%} | {old} |",
                flush=True,
            )
    summary(results)
    worst = min((ours for _, ours, _ in results), key=lambda measured: measured.coverage)
    print(f"lowest coverage {worst.coverage:.3f} ± {worst.error:.3f} (target {TARGET})")
    return 0 if worst.coverage >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
