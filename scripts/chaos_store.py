"""Chaos on one new store: writers killed at random while readers read; nothing lost.

Starts, on a store that does not exist yet, several writers at once (two tournaments and
a self-play run of cheap heuristics on the direct transport; with --loop also a lineage's
generation loop) and readers that never stop (`leaderboard`, `matrix`, `battles`,
`lineage`, `db current` and the dashboard's pages). Each round it SIGKILLs a random
choice of the running writers at a random moment and starts them again (the same command
resumes; a writer that finished starts a new run). At the end it kills what still runs and
checks the store: `PRAGMA integrity_check` on SQLite, and every battle a writer logged as
committed (`battle N stored: ...`, logged at info after the commit) is there exactly once.
Exit 0 when nothing committed is lost, duplicated or corrupt and no reader met a damaged
store; 1 otherwise.

Usage: python scripts/chaos_store.py [--rounds 10] [--db URL] [--games 400] [--loop]
(--db: a new SQLite file, or an empty PostgreSQL database; default a new file in a
temporary folder)
"""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from arena.showdown.server import free_port
from arena.store.connection import connect, sqlite_file

ARENA = [sys.executable, "-m", "arena"]
STORED = re.compile(r"battle (\d+) stored: tournament (\d+), (.+), pair (\d+) game (\d+)$")
DAMAGED = ("malformed", "invalid page", "disk image", "no such table", "not a database")
READS = (
    ("leaderboard",),
    ("matrix",),
    ("battles", "--all"),
    ("lineage",),
    ("db", "current"),
)
PAGES = ("/", "/api/tournaments", "/agents", "/api/agents", "/lineages", "/evaluations")


@dataclass
class Writer:
    """One writing command; `runs` counts finished runs, so the next one has a new name."""

    name: str
    args: list[str]
    log: Path
    process: subprocess.Popen | None = None
    runs: int = 0
    kills: int = 0
    failures: int = 0  # runs that ended with an error, not by a kill

    def command(self, db: str) -> list[str]:
        name = f"{self.name}-{self.runs}"
        return [*ARENA, "--log-level", "info", *self.args, "--name", name, "--db", db]

    def running(self) -> bool:
        if self.process is None:
            return False
        if self.process.poll() is None:
            return True
        if self.process.returncode == 0:
            self.runs += 1
        elif self.process.returncode != -signal.SIGKILL:
            self.failures += 1
        self.process = None
        return False


@dataclass
class Readers:
    """Reports and the dashboard read, in `threads` loops at once, until stopped; a read
    that met a damaged store (not merely an empty or missing one) is kept in `damaged`.
    Each pass starts the dashboard, reads its pages and stops it, so readers come and go
    while the writers write, as people do."""

    db: str
    web_log: Path
    threads: int = 2
    reads: int = 0
    failed_pages: int = 0  # answered 5xx: a dashboard defect, a damaged store if logged so
    damaged: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> list[threading.Thread]:
        loops = [threading.Thread(target=self._loop, args=(n,)) for n in range(self.threads)]
        for loop in loops:
            loop.start()
        return loops

    def _loop(self, offset: int) -> None:
        port = free_port()
        while not self.stop.is_set():
            for command in READS[offset:] + READS[:offset]:
                self._report(command)
            self._dashboard(port)

    def _report(self, command: tuple[str, ...]) -> None:
        result = subprocess.run(
            [*ARENA, *command, "--db", self.db], capture_output=True, text=True, check=False
        )
        self.reads += 1
        damaged = any(word in result.stderr for word in (*DAMAGED, "Traceback"))
        if result.returncode not in (0, 2) or damaged:
            self.damaged.append(f"{' '.join(command)}: {result.stderr.strip()[-300:]}")

    def _dashboard(self, port: int) -> None:
        """Starts the dashboard, reads its pages once it answers and stops it; one that
        stops at once (no store yet) is one exit 2, not damage."""
        with open(self.web_log, "a") as err:
            web = subprocess.Popen(
                [*ARENA, "web", "--db", self.db, "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=_wide(),
                preexec_fn=_interruptible,
            )
        while web.poll() is None and self._get(port, "/") is None:
            time.sleep(0.2)
        if web.poll() is None:
            for page in PAGES:
                status = self._get(port, page)
                self.reads += status is not None
                self.failed_pages += status is not None and status >= 500
            web.send_signal(signal.SIGINT)  # Ctrl-C: how a user stops it
        if web.wait() not in (0, 2):
            self.damaged.append(f"web exited {web.returncode}")

    def _get(self, port: int, page: str) -> int | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=30) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None


def writers(folder: Path, games: int, loop: bool) -> list[Writer]:
    heuristics = ["--transport", "direct", "--concurrency", "2"]
    field_ = ["--agents", "random,max-power", "--games-per-pair", str(games), *heuristics]
    chosen = [
        Writer("chaos-a", ["tournament", *field_, "--seed", "1"], folder / "chaos-a.err"),
        Writer("chaos-b", ["tournament", *field_, "--seed", "2"], folder / "chaos-b.err"),
        Writer(
            "chaos-selfplay",
            [
                "selfplay",
                "random",
                "--opponents",
                "max-power",
                "--games",
                str(games),
                "--concurrency",
                "2",
            ],
            folder / "chaos-selfplay.err",
        ),
    ]
    if loop:
        settings = ["--generations", "1", "--selfplay-games", "4", "--epochs", "1"]
        settings += ["--steps-per-epoch", "1", "--batch", "8", "--max-pairs", "2"]
        settings += ["--opponents", "random", "--runs", str(folder / "runs")]
        chosen.append(Writer("chaos-loop", ["loop", *settings], folder / "chaos-loop.err"))
    return chosen


def start(writer: Writer, db: str) -> None:
    with open(writer.log, "a") as err:
        writer.process = subprocess.Popen(
            writer.command(db), stdout=subprocess.DEVNULL, stderr=err, env=_wide()
        )


def _interruptible() -> None:
    """Ctrl-C reaches the dashboard as from a terminal even when this script runs in the
    background, where the shell ignores SIGINT and its children would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wide() -> dict[str, str]:
    """Log records on stderr (a store without a file beside it) kept on one line each."""
    return {**os.environ, "COLUMNS": "1000"}


def kill(writer: Writer) -> None:
    writer.process.send_signal(signal.SIGKILL)
    writer.process.wait()
    writer.process = None
    writer.kills += 1


def _lines(path: Path) -> list[str]:
    return path.read_text(errors="replace").splitlines() if path.is_file() else []


def reported(paths: list[Path]) -> dict[int, tuple[int, str, int, int]]:
    """Every battle a writer logged as committed: id → (tournament, pairing, pair, game)."""
    found = {}
    for path in paths:
        for line in _lines(path):
            match = STORED.search(line.rstrip())
            if match:
                battle, tournament, pairing, pair, game = match.groups()
                found[int(battle)] = (int(tournament), pairing, int(pair), int(game))
    return found


def check(db: str, claims: dict[int, tuple[int, str, int, int]]) -> dict:
    """The store after the chaos: integrity, and each logged battle there exactly once."""
    engine, _ = connect(db, readonly=True)
    with engine.connect() as connection:
        integrity = "n/a (PostgreSQL)"
        if engine.dialect.name == "sqlite":
            integrity = connection.execute(text("PRAGMA integrity_check")).scalar()
        rows = connection.execute(
            text("SELECT id, tournament_id, pairing, pair_index, game FROM battle")
        ).all()
    engine.dispose()
    stored = {row[0]: tuple(row[1:]) for row in rows}
    keys = list(stored.values())
    lost = [battle for battle, key in claims.items() if stored.get(battle) != key]
    return {
        "integrity": integrity,
        "stored": len(stored),
        "committed": len(claims),
        "lost": len(lost),
        "duplicated": len(keys) - len(set(keys)),
        "lost_ids": lost[:20],
    }


def chaos(db: str, folder: Path, rounds: int, games: int, loop: bool, seed: int) -> dict:
    chooser = random.Random(seed)
    team = writers(folder, games, loop)
    logs = [w.log for w in team]
    file = sqlite_file(db)
    if file:
        logs.append(Path(file).with_suffix(".log"))
    readers = Readers(db, folder / "web.err")
    reading: list[threading.Thread] = []
    try:
        for _ in range(rounds):
            before, reads = len(reported(logs)), readers.reads
            for writer in team:
                if not writer.running():
                    start(writer, db)
            _until(lambda before=before: len(reported(logs)) > before)
            reading = reading or readers.start()  # the writers made the store: read it
            _until(lambda reads=reads: readers.reads > reads)
            time.sleep(chooser.uniform(0.0, 5.0))
            running = [w for w in team if w.running()]  # some may have just finished
            for writer in chooser.sample(
                running, chooser.randint(min(1, len(running)), len(running))
            ):
                kill(writer)
    finally:
        for writer in team:
            if writer.running():
                kill(writer)
        readers.stop.set()
        for loop in reading:
            loop.join()
    result = check(db, reported(logs))
    served = _lines(folder / "web.err")
    damaged = readers.damaged + [line for line in served if any(w in line for w in DAMAGED)]
    return {
        "rounds": rounds,
        "kills": sum(w.kills for w in team),
        "writer_failures": sum(w.failures for w in team),
        "reads": readers.reads,
        "reads_damaged": len(damaged),
        "pages_failed": readers.failed_pages,
        "damaged": damaged[:10],
        **result,
    }


def _until(done: Callable[[], bool], patience: float = 300.0) -> None:
    """Waits until `done()` (a battle committed, a read made this round), so a kill lands
    while writers write and readers read, not while they start."""
    deadline = time.monotonic() + patience
    while not done() and time.monotonic() < deadline:
        time.sleep(0.25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--db", help="a new SQLite URL or an empty PostgreSQL database")
    parser.add_argument("--games", type=int, default=400, help="games per writer's run")
    parser.add_argument("--loop", action="store_true", help="also a lineage's loop (slow)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arena-chaos-") as work:
        folder = Path(work)
        db = args.db or f"sqlite:///{folder / 'chaos.db'}"
        file = sqlite_file(db)
        if file and Path(file).exists():
            parser.error(f"{file} exists: the chaos starts on a new store")
        result = chaos(db, folder, args.rounds, args.games, args.loop, args.seed)
    print(json.dumps(result))
    print(
        f"rounds {result['rounds']}, kills {result['kills']}, battles committed "
        f"{result['committed']} (stored {result['stored']}), lost {result['lost']}, "
        f"duplicated {result['duplicated']}, integrity {result['integrity']}, reads "
        f"{result['reads']} ({result['reads_damaged']} met a damaged store), dashboard pages "
        f"failed {result['pages_failed']}, writer runs failed {result['writer_failures']}"
    )
    clean = result["integrity"] in ("ok", "n/a (PostgreSQL)")
    bad = result["lost"] or result["duplicated"] or result["reads_damaged"]
    ok = clean and not (bad or result["writer_failures"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
