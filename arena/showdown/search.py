"""Search workers: node processes that search a decision on Showdown's own simulator
(search.js), for the `search` agent.

A search is seconds of CPU in a single-threaded simulator, so it never runs on the event
loop nor in arena's own process: each process that plays a `search` agent owns a small pool
of workers (one per core but one, at least one), spoken to over stdin and stdout one JSON
object per line, and awaits their answers while every other battle goes on. A worker that
dies fails only the searches it was running, and is started afresh for the next ones.

Workers end with arena: the pool closes when its event loop shuts down (arena's runner
cancels every task then), a worker started from the main thread gets the parent-death
signal (`arena.lifetime`), and every worker exits when its stdin closes, which happens
however its parent ends. `blocking_search` serves callers without an event loop (a
teacher asking for a decision's visit distribution) from one worker of its own.
"""

import asyncio
import itertools
import os
import subprocess
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from arena.lifetime import close_children, die_with_parent, ties_to_parent
from arena.showdown.install import install_dir, node_executable, require_install

_SCRIPT = Path(__file__).with_name("search.js")
LINE_LIMIT = 2**22  # bytes in one answer (a choice and its visit counts)
COSTS_KEPT = 2**16  # the most recent decisions' CPU costs kept per iteration count


class SearchFailed(RuntimeError):
    """A worker could not answer a search (it died, or the simulator failed)."""


def default_workers(cores: int | None = None) -> int:
    """One worker per core but one, which the Python side and the battles' simulator hosts
    need; at least one."""
    return max(1, (cores or os.cpu_count() or 2) - 1)


@dataclass
class _Worker:
    process: asyncio.subprocess.Process
    waiting: dict[int, asyncio.Future] = field(default_factory=dict)
    reader: asyncio.Task | None = None


class SearchPool:
    """Search workers; a search goes to the one with the fewest searches waiting."""

    def __init__(self, size: int | None = None):
        self.size = size or default_workers()
        self.workers: list[_Worker] = []
        self._ids = itertools.count(1)
        self._closing = False
        # CPU milliseconds of each recent decision, by iterations searched (for benchmarks)
        self.costs: dict[int, deque[float]] = defaultdict(lambda: deque(maxlen=COSTS_KEPT))

    async def start(self) -> "SearchPool":
        require_install()
        self.workers = [await self._start_worker() for _ in range(self.size)]
        return self

    async def close(self) -> None:
        self._closing = True
        workers = list(self.workers)  # a reader removes its worker once it has ended
        await close_children([worker.process for worker in workers])
        for worker in workers:
            if worker.reader is not None:
                worker.reader.cancel()
        self.workers = []

    async def _start_worker(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            *_command(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
            preexec_fn=die_with_parent if ties_to_parent() else None,
        )
        worker = _Worker(process)
        worker.reader = asyncio.create_task(self._read(worker))
        return worker

    async def warm(self, battle_format: str) -> None:
        """Has every worker load the format's rules now, before a decision waits on them."""
        await asyncio.gather(*(self._ask(w, {"warm": battle_format}) for w in self.workers))

    async def search(self, request: dict, asking_ms: float = 0.0) -> dict:
        """The worker's answer to one search request (search.js's line protocol); its CPU
        cost, with the asker's `asking_ms`, is kept in `costs`."""
        if not self.workers:
            raise SearchFailed("no search worker is running")
        worker = min(self.workers, key=lambda w: len(w.waiting))
        reply = await self._ask(worker, request)
        _check(reply)
        self.costs[request["iterations"]].append(reply["cpu_ms"] + asking_ms)
        return reply

    async def _ask(self, worker: _Worker, request: dict) -> dict:
        message_id = next(self._ids)
        answer = asyncio.get_running_loop().create_future()
        worker.waiting[message_id] = answer
        worker.process.stdin.write(orjson.dumps({**request, "id": message_id}) + b"\n")
        try:
            return await answer
        finally:
            worker.waiting.pop(message_id, None)

    async def _read(self, worker: _Worker) -> None:
        while line := await worker.process.stdout.readline():
            reply = orjson.loads(line)
            answer = worker.waiting.get(reply.get("id"))
            if answer is not None and not answer.done():
                answer.set_result(reply)
        await self._lost(worker)

    async def _lost(self, worker: _Worker) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        code = await worker.process.wait()
        for answer in worker.waiting.values():
            if not answer.done():
                answer.set_exception(SearchFailed(f"search worker exited with status {code}"))
        if not self._closing:
            self.workers.append(await self._start_worker())


_pools: dict[asyncio.AbstractEventLoop, "asyncio.Future[SearchPool]"] = {}
_closers: set[asyncio.Future] = set()  # held here, as the loop keeps only weak references


def _command() -> list[str]:
    return [node_executable(), str(_SCRIPT), str(install_dir())]


def _check(reply: dict) -> None:
    if "error" in reply:
        raise SearchFailed(f"the search failed: {reply['error']}")


async def _close_at_shutdown(started: "asyncio.Future[SearchPool]") -> None:
    """Waits for the loop's end (its runner cancels every task) and stops the workers."""
    try:
        await asyncio.Event().wait()
    finally:
        if started.done() and not started.cancelled() and started.exception() is None:
            await started.result().close()


async def shared_pool() -> SearchPool:
    """This event loop's search workers, started on first use; every `search` player on
    the loop shares them, so a process never runs more searches at once than it has cores."""
    loop = asyncio.get_running_loop()
    for other in [other for other in _pools if other.is_closed()]:
        del _pools[other]  # a finished loop's workers died with their pipes
    if loop not in _pools:
        _pools[loop] = asyncio.ensure_future(SearchPool().start())
        closer = asyncio.ensure_future(_close_at_shutdown(_pools[loop]))
        _closers.add(closer)
        closer.add_done_callback(_closers.discard)
    try:
        return await asyncio.shield(_pools[loop])
    except Exception:
        _pools.pop(loop, None)
        raise


class _BlockingWorker:
    """One worker for callers without an event loop; one search at a time."""

    def __init__(self):
        require_install()
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.ids = itertools.count(1)

    def ask(self, request: dict) -> dict:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.process = subprocess.Popen(
                    _command(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    preexec_fn=die_with_parent if ties_to_parent() else None,
                )
            message_id = next(self.ids)
            self.process.stdin.write(orjson.dumps({**request, "id": message_id}) + b"\n")
            self.process.stdin.flush()
            while line := self.process.stdout.readline():
                reply = orjson.loads(line)
                if reply.get("id") == message_id:
                    return reply
            raise SearchFailed(f"search worker exited with status {self.process.wait()}")


_blocking: _BlockingWorker | None = None
_blocking_lock = threading.Lock()


def blocking_search(request: dict) -> dict:
    """One search answered without an event loop (it blocks its caller, so a coroutine
    awaits `shared_pool().search` instead); the worker is started on first use."""
    global _blocking
    with _blocking_lock:
        if _blocking is None:
            _blocking = _BlockingWorker()
    reply = _blocking.ask(request)
    _check(reply)
    return reply
