"""Worker processes: several event loops for machines where one Python process is the
bottleneck (poke-env runs all of a process's players on one thread).

Each worker resolves the same agents, opens its own transport (its own simulator hosts,
or its own Showdown server unless one is given),
takes slot numbers from a shared queue until the queue or `stop` says enough, plays them
with the ordinary runner and sends each record back. The parent keeps the schedule, the
store and the ratings, so resuming and reports do not change.
"""

import asyncio
import dataclasses
import multiprocessing
import queue
import signal
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace

from arena import aio, logs
from arena.game.battle import GameRecord
from arena.game.transport import opened
from arena.lifetime import worker_dies_with_parent
from arena.matchmaking.runner import play_slots, players_for
from arena.matchmaking.schedule import Slot
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import resolve
from arena.showdown.host import default_hosts

POLL = 0.2  # seconds between checks of the result queue


class WorkerFailed(RuntimeError):
    """A worker process stopped with an error; the message is its one-line account."""


@dataclass(frozen=True)
class Job:
    agents: tuple[str, ...]
    settings: PlaySettings
    slots: tuple[Slot, ...]
    websocket_url: str | None
    log: tuple[int, str | None] = dataclasses.field(default_factory=logs.settings)
    transport: str = "direct"
    hosts: int | None = None  # simulator hosts per worker


def _slots_from(tasks, slots: tuple[Slot, ...], halt) -> Iterator[Slot]:
    while not halt.is_set():
        index = tasks.get()
        if index is None:
            return
        yield slots[index]


async def _work(job: Job, worker: int, tasks, results, halt) -> None:
    resolved = (
        resolve(agent, job.settings.device, job.settings.temperature) for agent in job.agents
    )
    specs = {spec.name: spec for spec in resolved}

    async def send(slot: Slot, record: GameRecord) -> None:
        results.put(("record", worker, (slot.key, record)))

    async with (
        opened(job.transport, job.websocket_url, job.hosts) as transport,
        players_for(specs, transport, job.settings) as players,
    ):
        slots = _slots_from(tasks, job.slots, halt)
        await play_slots(slots, players, job.settings, send, transport=transport)


def _main(job: Job, worker: int, tasks, results, halt) -> None:
    worker_dies_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    logs.follow(*job.log)
    try:
        aio.run(_work(job, worker, tasks, results, halt))
    except BaseException as error:  # reported to the parent, which stops the others
        results.put(("error", worker, f"worker {worker}: {type(error).__name__}: {error}"))
    results.put(("done", worker, None))


def _next_message(results):
    try:
        return results.get(timeout=POLL)
    except queue.Empty:
        return None


async def play_in_workers(
    job: Job,
    workers: int,
    on_record: Callable[[Slot, GameRecord], Awaitable[None]],
    stop: asyncio.Event,
) -> None:
    """Plays `job.slots` across `workers` processes; returns when all have stopped."""
    context = multiprocessing.get_context("spawn")
    tasks, results, halt = context.Queue(), context.Queue(), context.Event()
    tasks.cancel_join_thread()  # slots left unplayed after a stop must not hold up exit
    for index in range(len(job.slots)):
        tasks.put(index)
    for _ in range(workers):
        tasks.put(None)
    share = replace(job.settings, concurrency=max(1, job.settings.concurrency // workers))
    job = replace(job, settings=share, hosts=max(1, default_hosts() // workers))
    processes = [
        context.Process(target=_main, args=(job, k, tasks, results, halt), daemon=True)
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    by_key = {slot.key: slot for slot in job.slots}
    running, failures = set(range(workers)), []
    loop = asyncio.get_running_loop()
    try:
        while running:
            if stop.is_set():
                halt.set()
            message = await loop.run_in_executor(None, _next_message, results)
            if message is None:
                running -= {k for k in running if not processes[k].is_alive()}
                continue
            kind, worker, payload = message
            if kind == "record":
                key, record = payload
                await on_record(by_key[key], record)
            elif kind == "error":
                failures.append(payload)
                halt.set()
            else:
                running.discard(worker)
    finally:
        halt.set()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    if failures:
        raise WorkerFailed(failures[0])
