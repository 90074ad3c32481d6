"""`arena data build` throughput and memory: 1 worker against 2, same store, same run.

Usage: python scripts/bench_data_build.py --db URL [--workers 1,2] [--format gen1ou]

Builds the whole store's selection into a fresh temporary directory once per worker
count, as a user runs it (`python -m arena data build`), and prints decisions per second,
wall time and the peak resident memory of the whole process tree (the command and its
workers, summed, sampled every 50 ms), then each count's speed-up over the first.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLE_S = 0.05


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        rss = [line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")]
        total += int(rss[0]) * 1024 if rss else 0  # a process exiting has none
        stack += [int(c) for c in children]
    return total


def _build(db: str, workers: int, battle_format: str) -> tuple[int, float, int]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "data"
        command = [sys.executable, "-m", "arena", "data", "build", "--out", str(out)]
        command += ["--db", db, "--workers", str(workers), "--format", battle_format]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - started
        if process.returncode:
            sys.exit(f"build failed: {process.stderr.read().decode().strip()}")
        manifest = json.loads((out / "manifest.json").read_text())
        return manifest["counts"]["decisions"], wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--format", default="gen1ou")
    args = parser.parse_args()
    first = None
    for workers in [int(w) for w in args.workers.split(",")]:
        decisions, wall, peak = _build(args.db, workers, args.format)
        rate = decisions / wall
        first = first or rate
        print(
            f"workers {workers}: {decisions} decisions in {wall:.1f} s = {rate:.0f} decisions/s, "
            f"peak RSS {peak / 2**20:.0f} MiB; {rate / first:.2f}x the first",
            flush=True,
        )


if __name__ == "__main__":
    main()
