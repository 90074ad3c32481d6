"""How fast `arena web` answers a tournament page on a large store, next to the CLI.

Builds a SQLite store of synthetic battles (bulk inserted, not played: realistic rows,
one small log each) in one round-robin tournament, then in the same run times
`arena leaderboard --json` (the peer: it rates the same battles) and the dashboard's
tournament page as JSON and as HTML. A fresh dashboard's first answer rates the store (cold,
timed over several fresh servers); later ones are served from its cache until a battle
lands, so both are reported, with the server's resident memory after every request; then
one battle lands, as in a running tournament, and the page is timed again while it is
re-rated in the background.
Usage: python scripts/bench_web.py [--battles 100000] [--agents 8] [--requests 20]
[--cold-runs 5]
"""

import argparse
import contextlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from itertools import combinations
from pathlib import Path

from poke_env.player import Player
from sqlalchemy import insert

from arena.models.registry import AgentSpec
from arena.showdown.server import free_port
from arena.store.database import Store
from arena.store.tables import Battle, compress_log

CHUNK = 5000  # rows per executemany
LOG = [
    "|player|p1|alice|",
    "|player|p2|bob|",
    "|start",
    "|switch|p1a: Tauros|Tauros|100/100",
    "|switch|p2a: Snorlax|Snorlax|100/100",
    "|turn|1",
    "|move|p1a: Tauros|Body Slam|p2a: Snorlax",
    "|-damage|p2a: Snorlax|60/100",
    "|win|alice",
]


def build_store(url: str, battles: int, agents: int, seed: int) -> int:
    """A store with `battles` synthetic games among `agents` agents of unequal strength;
    the tournament's id."""
    store = Store.open(url)
    names = [f"agent-{k}" for k in range(agents)]
    ids = [store.agent_id(AgentSpec(n, "user", f"bench:{n}", Player)) for n in names]
    pairs = list(combinations(range(agents), 2))
    config = {
        "agents": names,
        "mode": "round-robin",
        "candidate": None,
        "games_per_pair": -(-battles // len(pairs)),
    }
    tournament = store.create_tournament("bench", config)
    store.set_status(tournament.id, "finished")
    rng = random.Random(seed)
    log = compress_log(LOG)
    rows = []
    for k in range(battles):
        a, b = pairs[k % len(pairs)]
        pair_index, game = divmod(k // len(pairs), 2)
        p1, p2 = (a, b) if game == 0 else (b, a)
        strength = 0.5 + 0.05 * (p2 - p1)  # lower index is stronger
        roll = rng.random()
        winner = None if roll > 0.99 else (0 if roll < strength else 1)
        rows.append(
            {
                "tournament_id": tournament.id,
                "pairing": f"{names[a]} vs {names[b]}",
                "pair_index": pair_index,
                "game": game,
                "format": "gen1ou",
                "battle_tag": f"battle-gen1ou-{k}",
                "p1_agent_id": ids[p1],
                "p2_agent_id": ids[p2],
                "winner": winner,
                "turns": rng.randint(10, 80),
                "duration": rng.uniform(1, 10),
                "end_reason": "normal" if winner is not None else "tie",
                "p1_log": log,
                "p2_log": log,
            }
        )
        if len(rows) == CHUNK:
            _insert(store, rows)
            rows = []
    if rows:
        _insert(store, rows)
    return tournament.id


def _insert(store: Store, rows: list[dict]) -> None:
    with store.engine.begin() as connection:
        connection.execute(insert(Battle), rows)


def _land_one_battle(url: str, tournament: int) -> None:
    """One more battle, as a running tournament would record it."""
    store = Store.open(url)
    last = store.battle(max(b.id for b in store.battles([tournament])))
    row = {c.name: getattr(last, c.name) for c in Battle.__table__.columns if c.name != "id"}
    _insert(store, [row | {"pair_index": last.pair_index + 1_000_000, "battle_tag": "landed"}])


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.3f} s  p95 {p95:.3f} s  (n={len(ordered)})"


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _fetch(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
    return time.perf_counter() - start


def _rating_work(url: str, tournament: int, runs: int) -> None:
    """What a cold answer computes (the store's sums, TrueSkill, the bootstrap, the
    matrix), in this process: wall and CPU time, the CPU time being what a busy machine
    distorts least."""
    from arena.web.views import _ratings

    store = Store.open(url)
    wall, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        _ratings(store, tournament)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    print(f"rating the tournament in-process, wall: {_percentiles(wall)}")
    print(f"rating the tournament in-process, CPU : {_percentiles(cpu)}")


@contextlib.contextmanager
def _serving(url: str):
    """A fresh `arena web` over the store: its base URL and process."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "arena", "web", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        server.wait(timeout=10)


def _first_answer(url: str) -> float:
    """The time of the first request the server accepts (it began rating as it started
    listening, so this is a cold answer)."""
    for _ in range(300):
        try:
            return _fetch(url)
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError):
                raise
            time.sleep(0.05)
    raise RuntimeError(f"arena web did not answer {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh servers per answer kind")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="arena-bench-web-"))
    db = folder / "arena.db"
    start = time.perf_counter()
    url = f"sqlite:///{db}"
    tournament = build_store(url, args.battles, args.agents, seed=0)
    print(f"store: {args.battles} synthetic battles in {time.perf_counter() - start:.1f} s ({db})")

    cli = []
    for _ in range(args.cli_runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "arena", "leaderboard", "--json", str(folder / "board.json")]
            + ["--tournament", "bench", "--db", url],
            check=True,
            capture_output=True,
        )
        cli.append(time.perf_counter() - started)
    print(f"arena leaderboard --json : {_percentiles(cli)}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "arena", "--help"], check=True, capture_output=True)
    print(f"  of which start-up (`arena --help`): {time.perf_counter() - started:.3f} s")

    _rating_work(url, tournament, args.cold_runs)
    cold = {"JSON": [], "HTML": []}
    for _ in range(args.cold_runs):
        for label, path in (
            ("JSON", f"/api/tournaments/{tournament}"),
            ("HTML", f"/tournaments/{tournament}"),
        ):
            with _serving(url) as (base, _):
                cold[label].append(_first_answer(base + path))
    with _serving(url) as (base, server):
        _first_answer(f"{base}/api/tournaments/{tournament}")
        rss = [_rss_mib(server.pid)]
        answers = {}
        for label, path in (
            ("JSON (cached ratings)", f"/api/tournaments/{tournament}"),
            ("HTML (cached ratings)", f"/tournaments/{tournament}"),
        ):
            answers[label] = []
            for _ in range(args.requests):
                answers[label].append(_fetch(base + path))
                rss.append(_rss_mib(server.pid))
        board = json.loads((folder / "board.json").read_text())
        with urllib.request.urlopen(f"{base}/api/tournaments/{tournament}") as response:
            same = json.loads(response.read())["leaderboard"] == board
        _land_one_battle(url, tournament)
        label = "HTML (a battle landed: re-rating in the background)"
        answers[label] = []
        for _ in range(args.requests):
            answers[label].append(_fetch(f"{base}/tournaments/{tournament}"))
            rss.append(_rss_mib(server.pid))
    for label, times in cold.items():
        print(
            f"arena web tournament page {label} (cold: a fresh server rates the store): "
            f"{_percentiles(times)}"
        )
    for label, times in answers.items():
        print(f"arena web tournament page {label}: {_percentiles(times)}")
    cli_p50 = statistics.median(cli)
    for label, times in cold.items():
        print(f"ratio CLI p50 / web {label} cold p50: {cli_p50 / statistics.median(times):.1f}x")
    for label, times in answers.items():
        print(f"ratio CLI p50 / web {label} p50: {cli_p50 / statistics.median(times):.1f}x")
    print(
        f"server memory (RSS): start {rss[0]:.0f} MiB, peak {max(rss):.0f} MiB, "
        f"end {rss[-1]:.0f} MiB"
    )
    print(f"web leaderboard identical to `arena leaderboard --json`: {same}")


if __name__ == "__main__":
    main()
