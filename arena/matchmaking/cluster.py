"""Play on a Ray cluster: actors that play slots, fed by the driver one slot per call.

The driver keeps what a run keeps in one process (schedule, store, ratings, live view,
resume, SPRT); each actor opens its own transport (its own simulator hosts, or the named
server), fields the agents it is sent and returns each game's full record. Agents travel
as what builds them: a bot by import path, imported on the actor before any game, and a
checkpoint by content through Ray's object store, checked against its sha256 there. An
actor that dies (killed, out of memory, its node lost) fails its calls with Ray's own
error; the slots it held go back to the queue, a new actor takes its place (as many times
in a run as it started with actors), so every slot is recorded once, the run never waits
on a dead actor, and a lost node costs its games in flight, not its share of the run.
"""

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import socket
import tempfile
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from arena.errors import ArenaError
from arena.game.battle import GameRecord, GameStartError
from arena.game.transport import opened
from arena.matchmaking.runner import play_slot, players_for
from arena.matchmaking.schedule import Slot
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.workers import WorkerFailed
from arena.models.registry import AgentSpec, UnknownAgent, resolve, resolve_checkpoint
from arena.showdown.host import default_hosts

INSTALL_HINT = "--ray needs Ray, which is not installed: pip install 'arena[ray]'"
NAMESPACE = "arena"  # where the actors are named, so an operator can find (or kill) them
READY_TIMEOUT = 180.0  # seconds for every actor to start and field its agents

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to play: `address` is `auto` or a Ray address."""

    address: str
    actors: int | None = None  # None: one per two CPUs of the cluster
    gpus_per_actor: float | None = None  # None: a whole GPU with --device cuda, else none


@dataclass(frozen=True)
class ShippedAgent:
    """An agent as an actor builds it: by name (a bot), or by content (a checkpoint)."""

    name: str  # as it plays here (a self-play mirror seat has a name of its own)
    entry: str  # what resolves it: a bot's registry name or import path; a checkpoint's name
    content: Any = None  # a Ray object reference to the checkpoint file's bytes
    sha256: str | None = None
    temperature: float | None = None


@dataclass(frozen=True)
class ActorJob:
    """What every actor is sent: the agents, where to play and how."""

    agents: tuple[ShippedAgent, ...]
    settings: PlaySettings
    transport: str
    websocket_url: str | None
    hosts: int
    log_level: int


def require_ray():
    """Ray, or the one line that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ArenaError(INSTALL_HINT) from None
    return ray


def check_options(options: RayOptions, device: str, workers: int = 1) -> RayOptions:
    """Checked before anything starts: Ray importable, and the flags consistent."""
    require_ray()
    if workers > 1:
        raise ArenaError("--ray and --workers both split the games: choose one")
    if options.gpus_per_actor is not None and not device.startswith("cuda"):
        raise ArenaError("--ray-gpus-per-actor applies to --device cuda")
    if options.gpus_per_actor is not None and options.gpus_per_actor <= 0:
        raise ArenaError(f"--ray-gpus-per-actor must be positive, got {options.gpus_per_actor}")
    return options


def connect(address: str) -> bool:
    """Joins the cluster unless this process already has; whether it joined now.

    `auto`: the cluster this machine belongs to (RAY_ADDRESS, or one begun here with
    `ray start`), else a Ray started on this machine for the run.
    """
    ray = require_ray()
    if ray.is_initialized():
        return False
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        ray.init(address=address, **quiet)
    except ConnectionError as error:
        if address != "auto":
            raise ArenaError(f"--ray {address}: cannot reach the cluster ({error})") from None
        ray.init(include_dashboard=False, **quiet)
    return True


def ship(specs: dict[str, AgentSpec]) -> tuple[ShippedAgent, ...]:
    """Each agent by what builds it; a checkpoint's bytes go to the object store once."""
    ray = require_ray()
    contents: dict[str, Any] = {}
    shipped = []
    for name, spec in specs.items():
        if spec.kind != "checkpoint":
            shipped.append(ShippedAgent(name, spec.name))
            continue
        if spec.import_path not in contents:
            contents[spec.import_path] = ray.put(Path(spec.import_path).read_bytes())
        content = contents[spec.import_path]
        shipped.append(ShippedAgent(name, spec.name, content, spec.sha256, spec.temperature))
    return tuple(shipped)


class SlotPlayer:
    """A Ray actor: its own transport and players, one slot played per call."""

    def __init__(self, job: ActorJob):
        self.job = job
        self.players: dict = {}
        self.transport = None
        self.folder = Path(tempfile.mkdtemp(prefix="arena-ray-"))
        self.stack = contextlib.AsyncExitStack()
        logging.getLogger().setLevel(job.log_level)

    async def open(self) -> tuple[str, str | None]:
        """Fields the agents: (this node's name, None), or the one line why it cannot."""
        node = socket.gethostname()
        try:
            specs = {agent.name: await self._build(agent) for agent in self.job.agents}
        except (UnknownAgent, ArenaError) as error:
            return node, str(error)
        job = self.job
        self.transport = await self.stack.enter_async_context(
            opened(job.transport, job.websocket_url, job.hosts)
        )
        self.players = await self.stack.enter_async_context(
            players_for(specs, self.transport, job.settings)
        )
        return node, None

    async def _build(self, agent: ShippedAgent) -> AgentSpec:
        if agent.content is None:
            try:
                return replace(resolve(agent.entry), name=agent.name)
            except UnknownAgent as error:
                raise ArenaError(
                    f"{error} (a bot must be importable on every Ray worker)"
                ) from None
        data = await agent.content
        found = hashlib.sha256(data).hexdigest()
        if found != agent.sha256:
            raise ArenaError(
                f"checkpoint {agent.name} refused: sha256 {found[:12]} arrived, "
                f"{agent.sha256[:12]} was named (the file changed after it was checked)"
            )
        path = self.folder / f"{agent.sha256}.pt"
        path.write_bytes(data)
        spec = resolve_checkpoint(
            str(path), actor_device(self.job.settings.device), agent.temperature
        )
        return replace(spec, name=agent.name)

    async def play(self, slot: Slot) -> GameRecord:
        return await play_slot(slot, self.players, self.job.settings, self.transport)

    async def close(self) -> None:
        await self.stack.aclose()
        shutil.rmtree(self.folder, ignore_errors=True)


def actor_device(device: str) -> str:
    """Ray shows an actor only the GPUs it was given, so `cuda:N` means its own GPU."""
    return "cuda" if device.startswith("cuda") else device


class _Dispatch:
    """The slots not yet played; a slot taken out is in flight until done or given back."""

    def __init__(self, slots: list[Slot], stop: asyncio.Event):
        self.queue, self.stop = deque(slots), stop
        self.in_flight = 0
        self.changed = asyncio.Condition()

    async def take(self) -> Slot | None:
        """The next slot; None once the run stops, or nothing is queued or in flight."""
        async with self.changed:
            while not self.stop.is_set():
                if self.queue:
                    self.in_flight += 1
                    return self.queue.popleft()
                if not self.in_flight:
                    return None
                await self.changed.wait()
            return None

    async def settle(self, slot: Slot, played: bool) -> None:
        async with self.changed:
            self.in_flight -= 1
            if not played:
                self.queue.appendleft(slot)
            self.changed.notify_all()


async def _lane(actor, actors: "_Actors", dispatch: _Dispatch, on_record) -> None:
    """Plays slots on one actor, then on whatever replaces it, until none are left or
    no replacement can be had."""
    ray = require_ray()
    while actor is not None and (slot := await dispatch.take()) is not None:
        try:
            record = await actor.play.remote(slot)
        except ray.exceptions.RayActorError:
            await dispatch.settle(slot, played=False)
            actor = await actors.replace(actor)
            continue
        except ray.exceptions.RayTaskError as error:
            await dispatch.settle(slot, played=False)
            raise _failure(error) from None
        await on_record(slot, record)
        await dispatch.settle(slot, played=True)


def _failure(error) -> Exception:
    cause = getattr(error, "cause", None) or error
    if isinstance(cause, GameStartError):
        return cause
    first = (str(cause).strip().splitlines() or [""])[0]
    return WorkerFailed(f"Ray actor: {type(cause).__name__}: {first}")


class _Actors:
    """The run's actors. Each dead one gets one successor, opened like the first ones;
    the run starts at most twice its actors in all, so an actor that dies on every start
    ends the run instead of looping."""

    def __init__(self, ray, job: ActorJob, options: RayOptions, count: int):
        self.ray, self.job, self.options = ray, job, options
        self.remote = ray.remote(SlotPlayer)
        self.prefix = f"{socket.gethostname()}-{os.getpid()}"
        self.handles: list = []
        self.limit = 2 * count
        self.replacements: dict[int, Any] = {}  # id of a dead handle: its successor or None
        self.lock = asyncio.Lock()
        for _ in range(count):
            self._start()

    def _start(self):
        gpus = (
            (self.options.gpus_per_actor or 1.0)
            if self.job.settings.device.startswith("cuda")
            else 0
        )
        handle = self.remote.options(
            name=f"{self.prefix}-{len(self.handles)}",
            namespace=NAMESPACE,
            num_cpus=1,
            num_gpus=gpus,
            max_restarts=0,
        ).remote(self.job)
        self.handles.append(handle)
        return handle

    async def replace(self, dead):
        """The actor that plays in `dead`'s place (the same one for each of its lanes);
        None when the run may start no more, or the new one could not start."""
        async with self.lock:
            if id(dead) not in self.replacements:
                self.replacements[id(dead)] = await self._successor()
            return self.replacements[id(dead)]

    async def _successor(self):
        if len(self.handles) >= self.limit:
            logger.warning("a Ray actor died; %d started already, none more", self.limit)
            return None
        handle = self._start()
        try:
            await _open_all(self.ray, [handle])
        except ArenaError as error:
            logger.warning("a Ray actor died and none could replace it: %s", error)
            return None
        logger.warning(
            "a Ray actor died; %s-%d plays in its place", self.prefix, len(self.handles) - 1
        )
        return handle


async def _open_all(ray, handles: list) -> None:
    """Every actor ready before any game: its imports done and checkpoints verified."""
    try:
        opened_ = await asyncio.wait_for(
            asyncio.gather(*(h.open.remote() for h in handles)), READY_TIMEOUT
        )
    except TimeoutError:
        raise ArenaError(
            f"Ray did not start {len(handles)} actor(s) within {READY_TIMEOUT:.0f}s: the "
            "cluster lacks the CPUs or GPUs they ask for (fewer --ray-actors?)",
            1,
        ) from None
    except ray.exceptions.RayError as error:
        first = (str(error).strip().splitlines() or [""])[0]
        raise ArenaError(f"a Ray actor failed to start: {first}", 1) from None
    for node, refusal in opened_:
        if refusal:
            raise ArenaError(f"on Ray node {node}: {refusal}")


def actor_count(ray, options: RayOptions) -> int:
    return options.actors or max(1, int(ray.cluster_resources().get("CPU", 2)) // 2)


async def play_on_ray(
    options: RayOptions,
    specs: dict[str, AgentSpec],
    slots: list[Slot],
    settings: PlaySettings,
    on_record: Callable[[Slot, GameRecord], Awaitable[None]],
    stop: asyncio.Event,
    *,
    transport: str,
    websocket_url: str | None = None,
) -> None:
    """Plays `slots` on Ray actors, each given an even share of `settings.concurrency`.

    Joining the cluster blocks the loop once, before any battle is in flight.
    """
    ray = require_ray()
    joined = connect(options.address)
    actors = None
    try:
        count = actor_count(ray, options)
        cpus = int(ray.cluster_resources().get("CPU", 2))
        job = ActorJob(
            ship(specs),
            settings=replace(settings, concurrency=1),
            transport=transport,
            websocket_url=websocket_url,
            hosts=max(1, default_hosts(cpus) // count),
            log_level=logging.getLogger().level,
        )
        actors = _Actors(ray, job, options, count)
        await _open_all(ray, actors.handles)
        dispatch = _Dispatch(slots, stop)
        async with asyncio.TaskGroup() as group:
            for handle in list(actors.handles):
                for _ in range(max(1, settings.concurrency // count)):
                    group.create_task(_lane(handle, actors, dispatch, on_record))
        if dispatch.queue and not stop.is_set():
            raise WorkerFailed(f"every Ray actor died with {len(dispatch.queue)} games unplayed")
    finally:
        await _close(ray, actors.handles if actors else [])
        if joined:
            ray.shutdown()


async def _close(ray, handles: list) -> None:
    """Closes each actor's players and hosts, then ends it; a dead one is only ended."""
    for handle in handles:
        with contextlib.suppress(ray.exceptions.RayError, TimeoutError):
            await asyncio.wait_for(handle.close.remote(), 30)
        with contextlib.suppress(ray.exceptions.RayError, ValueError):
            ray.kill(handle)
