"""A tournament's standings and matrix, rated once per change and kept for the pages.

A tournament's ratings are keyed by its battle count and last battle id: a finished
tournament is rated once, a running one again in the background when a game has landed.
They come from the functions the CLI reports use (`rank` and `cells` of the store's
`arena.store.results.read`), so a page and `arena leaderboard --json` cannot disagree.
"""

import threading
from collections import OrderedDict

from arena.kinds import EndReason
from arena.report.export import json_rows
from arena.report.leaderboard import rank
from arena.report.matrix import cells
from arena.store.database import Store
from arena.store.results import read

CACHED_TOURNAMENTS = 8  # rated tournaments kept in memory, least recently used dropped


class RatingsCache:
    """Standings and matrices per tournament, keyed by what changes when a game lands.

    Rating a large tournament takes about a second at 100,000 battles (the store adds up
    the counts, but TrueSkill replays every game and the intervals are refitted), so a page
    never waits for it twice: once a tournament has been rated, a newer battle gets
    the last ratings served at once (marked with how many battles they cover) while one
    background thread rates it again. Only a tournament never rated is rated in the
    request, and a per-tournament lock keeps two requests from doing that work twice.
    """

    def __init__(self, size: int = CACHED_TOURNAMENTS):
        self.size = size
        self.entries: OrderedDict[int, tuple[tuple, dict]] = OrderedDict()
        self.guard = threading.Lock()
        self.locks: dict[int, threading.Lock] = {}
        self.refreshing: set[int] = set()

    def ratings(self, store: Store, tournament_id: int) -> dict:
        version = _version(store, tournament_id)
        with self.guard:
            cached = self.entries.get(tournament_id)
        if cached is None:
            return self._rate(store, tournament_id, version)
        if cached[0] != version:
            self._refresh(store, tournament_id, version)
        return cached[1]

    def warm(self, store: Store) -> None:
        """Rates the newest tournaments in a background thread, so their first page is quick."""

        def rate_all() -> None:
            newest = [t.id for t in store.tournaments()][-self.size :]
            for tournament_id in reversed(newest):
                self._rate(store, tournament_id, _version(store, tournament_id))

        threading.Thread(target=rate_all, name="arena-web-warm", daemon=True).start()

    def _refresh(self, store: Store, tournament_id: int, version: tuple) -> None:
        with self.guard:
            if tournament_id in self.refreshing:
                return
            self.refreshing.add(tournament_id)

        def rate() -> None:
            try:
                self._rate(store, tournament_id, version)
            finally:
                with self.guard:
                    self.refreshing.discard(tournament_id)

        threading.Thread(target=rate, name="arena-web-rate", daemon=True).start()

    def _rate(self, store: Store, tournament_id: int, version: tuple) -> dict:
        with self.guard:
            lock = self.locks.setdefault(tournament_id, threading.Lock())
        with lock:
            with self.guard:
                cached = self.entries.get(tournament_id)
            if cached is not None and cached[0] == version:
                return cached[1]
            value = _ratings(store, tournament_id) | {"rated_battles": version[0]}
            with self.guard:
                self.entries[tournament_id] = (version, value)
                self.entries.move_to_end(tournament_id)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
            return value


def _version(store: Store, tournament_id: int) -> tuple:
    return store.tournament_version(tournament_id)


def _ratings(store: Store, tournament_id: int) -> dict:
    results = read(store, [tournament_id])
    board = rank(results)
    matrix = cells(results)
    return {
        "leaderboard": json_rows(board),
        "matrix": json_rows(matrix),
        "agents": [row.agent for row in board],
        "ends": _end_counts(store, tournament_id),
        "rows": {"leaderboard": board, "matrix": matrix},  # for CSV, written as the CLI does
    }


def _end_counts(store: Store, tournament_id: int) -> dict[str, int]:
    """Battles per kind of end, counted per distinct end reason by the store."""
    counts = dict.fromkeys(EndReason, 0)
    for reason, count in store.end_reason_counts(tournament_id):
        end = EndReason.of(reason)
        if end is not None:
            counts[end] += count
    return counts
