"""`arena data build`: stored battles → a dataset directory, incrementally and in parallel.

The main process selects battles from their metadata only (never their logs) and hands
chunks of battle ids to worker processes; each worker loads its chunk's logs, replays the
chosen sides (`arena.training.data.protocol`), labels every decision (its record when the
side has records, otherwise `arena.training.data.action_inference`), asks the teacher, when
the build has one, for its distribution at that same decision (`arena.training.data.teacher`)
and writes one shard. A dataset holds one teacher's labels, or none: a rebuild with another
is refused.
The manifest is rewritten after every shard, so an interrupted build keeps what it finished
and a rerun adds only battles the directory lacks. Memory stays at a few chunks, whatever
the store's size.
"""

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from arena.errors import ArenaError
from arena.game.choices import Choice
from arena.lifetime import worker_dies_with_parent
from arena.models.neural.features import stack
from arena.rating.ratings import bradley_terry
from arena.report.leaderboard import outcomes
from arena.store.database import Store
from arena.store.tables import Battle, decode_choices, decompress_log
from arena.training.data import dataset, replays
from arena.training.data.action_inference import infer
from arena.training.data.decisions import Decisions
from arena.training.data.protocol import Step, replay
from arena.training.data.teacher import Teacher, identify

_REPLAY_FIELDS = ("replays", "min_rating", "since", "until", "teams")
CHUNK = 32  # battles per shard: small enough to bound memory, large enough to compress well
ROLES = ("p1", "p2")


@dataclass(frozen=True)
class Query:
    """Which battles and which of their sides a dataset holds."""

    tournaments: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    format: str = "gen1ou"
    winners_only: bool = False
    min_elo: float | None = None
    exclude_fallbacks: bool = False
    include_ladder: bool = False
    replays: bool = False  # imported replays too (`arena data import`), each side's view
    min_rating: float | None = None  # replays the replay site rated at least this
    since: str | None = None  # battles finished (replays uploaded) on or after this date
    until: str | None = None  # ... and before this date
    teams: str | None = None  # the pool a replay player's unrevealed sets come from

    def as_json(self) -> dict:
        """The selection as the manifest records it; the replay fields only when set, so a
        dataset built before them still matches its own query."""
        data = {**asdict(self), "tournaments": list(self.tournaments), "agents": list(self.agents)}
        return {k: v for k, v in data.items() if k not in _REPLAY_FIELDS or v}


@dataclass(frozen=True)
class Job:
    """One battle and the sides of it to encode, with the agent that played each."""

    battle: int
    sides: tuple[int, ...]
    agents: tuple[int, ...]  # manifest agent index of each side in `sides`
    replay: bool = False  # an imported replay: each side's view is made from its log


@dataclass
class Built:
    added_battles: int
    added_decisions: int
    total_battles: int
    total_decisions: int


def _tournament_ids(store: Store, names: tuple[str, ...]) -> list[int] | None:
    if not names:
        return None
    ids = []
    for name in names:
        tournament = store.tournament(name)
        if tournament is None:
            raise ArenaError(f"unknown tournament {name!r}")
        ids.append(tournament.id)
    return ids


def _chosen_sides(battle: Battle, names: dict[int, str], query: Query, elo: dict) -> list[int]:
    sides = []
    for side, role in enumerate(ROLES):
        name = names[getattr(battle, f"{role}_agent_id")]
        if query.agents and name not in query.agents:
            continue
        if query.winners_only and battle.winner != side:
            continue
        if query.min_elo is not None and elo.get(name, float("-inf")) < query.min_elo:
            continue
        sides.append(side)
    return sides


def select_battles(store: Store, query: Query) -> list[tuple[Battle, list[int]]]:
    """The battles the query matches, each with the sides it keeps, in the order they
    finished; metadata only. Bradley–Terry Elo for `min_elo` is fitted on the matching
    tournament battles, anchored as arena's leaderboard is."""
    names = store.agent_names()
    unknown = set(query.agents) - set(names.values())
    if unknown:
        raise ArenaError(f"unknown agent {sorted(unknown)[0]!r}")
    battles = store.battles(_tournament_ids(store, query.tournaments))
    if query.include_ladder:
        battles += store.ladder_battles()
    if query.replays:
        held = {b.id for b in battles}
        battles += [b for b in replays.stored_battles(store) if b.id not in held]
    battles = [b for b in battles if b.format == query.format and replays.in_dates(b, query)]
    if query.replays or query.min_rating is not None:
        battles = replays.rated(store, battles, query.min_rating)
    elo = {}
    if query.min_elo is not None:
        elo = {
            n: r.elo for n, r in bradley_terry(outcomes(battles, names), intervals=False).items()
        }
    return [(b, sides) for b in battles if (sides := _chosen_sides(b, names, query, elo))]


# -- workers --------------------------------------------------------------------------

_stores: dict[str | None, Store] = {}
_teachers: dict[tuple[str, str], Teacher] = {}


def _worker_store(url: str | None) -> Store:
    """The store at `url`, opened once per process (a process may build from several)."""
    if url not in _stores:
        _stores[url] = Store.open(url)
    return _stores[url]


def _worker_teacher(spec: str | None, battle_format: str) -> Teacher | None:
    """The worker's own teacher player, built once: it may keep per-battle memory."""
    if spec is None:
        return None
    if (spec, battle_format) not in _teachers:
        _teachers[spec, battle_format] = Teacher(spec, battle_format)
    return _teachers[spec, battle_format]


def _labels(steps: list[Step], role: str, records: list[Choice] | None):
    """Each decision's action slot and fallback flag: from its record when the side has
    records (a decision without one was never put to the agent: a forfeit's default
    move), inferred from the protocol otherwise."""
    if records is None:
        return [infer(s, role) for s in steps], [False] * len(steps)
    by_rqid = {c.rqid: c for c in records}  # a retried decision: its last record stands
    actions, fallbacks = [], []
    for step in steps:
        record = by_rqid.get(step.rqid)
        actions.append(infer(step, role) if record is None else record.slot)
        fallbacks.append(record is None or record.fallback)
    return actions, fallbacks


def encode_side(
    battle: Battle,
    side: int,
    agent: int,
    query: Query,
    agents: list[str],
    job_is_replay: bool = False,
    teacher: Teacher | None = None,
):
    """One side's decisions of a stored battle (of an imported replay: as its player saw
    it, `replays.player_log`), or None when none are kept."""
    role = ROLES[side]
    records = decode_choices(getattr(battle, f"{role}_choices"))
    faults = getattr(battle, f"{role}_timeouts") + getattr(battle, f"{role}_errors")
    if query.exclude_fallbacks and records is None and faults:
        return None  # some decision stood in for the agent, and nothing says which
    log = decompress_log(getattr(battle, f"{role}_log"))
    if job_is_replay:
        log = replays.player_log(log, role, battle.format, query.teams)
    steps = replay(log, role, battle.format, f"battle-{battle.id}-{role}", teacher)
    action, fallback = _labels(steps, role, records)
    keep = ~np.array(fallback, dtype=bool) if query.exclude_fallbacks else np.ones(len(steps), bool)
    if not keep.any():
        return None
    n = len(steps)
    table = Decisions(
        observations=stack([s.observation for s in steps]),
        action=np.array(action, dtype=np.int64),
        mask=np.stack([s.actions.mask for s in steps]),
        components=np.stack([s.components for s in steps]),
        done=np.arange(n) == n - 1,
        battle=np.full(n, battle.id, dtype=np.int64),
        side=np.full(n, side, dtype=np.int8),
        turn=np.array([s.turn for s in steps], dtype=np.int32),
        agent=np.full(n, agent, dtype=np.int32),
        fallback=np.array(fallback, dtype=bool),
        agents=agents,
        teacher=None if teacher is None else np.stack([s.teacher for s in steps]),
    )
    return table if keep.all() else table.take(keep)


def _encode_chunk(
    url: str | None,
    path: Path,
    jobs: list[Job],
    agents: list[str],
    query: Query,
    teacher_spec: str | None = None,
) -> dict:
    store = _worker_store(url)
    teacher = _worker_teacher(teacher_spec, query.format)
    by_id = {job.battle: job for job in jobs}
    loaded = store.battles_with_logs(by_id)
    parts = [
        part
        for b in loaded
        for side, agent in zip(by_id[b.id].sides, by_id[b.id].agents, strict=True)
        if (part := encode_side(b, side, agent, query, agents, by_id[b.id].replay, teacher))
        is not None
    ]
    shard = {"file": path.name, "battles": len(jobs), "decisions": 0, "sha256": None}
    if parts:
        table = _concat_keeping_agents(parts)
        shard |= {"decisions": len(table), "sha256": dataset.write_shard(path, table)}
    inferred = {str(b.id): replays.inferred(b, query.teams) for b in loaded if by_id[b.id].replay}
    return {"shard": shard, "battles": sorted(by_id), "inferred": inferred}


def _concat_keeping_agents(parts: list[Decisions]) -> Decisions:
    """Joined rows whose agent indices stay the manifest's (every part shares its list)."""
    joined = Decisions.concat(parts)
    position = np.array([parts[0].agents.index(n) for n in joined.agents], dtype=np.int32)
    joined.agent = position[joined.agent]
    joined.agents = parts[0].agents
    return joined


# -- the build ------------------------------------------------------------------------


def _open_output(out: Path, query: Query, teacher: dict | None) -> dataset.Manifest:
    if out.exists() and not out.is_dir():
        raise ArenaError(f"{out} is a file, not a dataset directory")
    if out.is_dir() and any(out.iterdir()):
        if not dataset.is_dataset(out):
            raise ArenaError(f"{out} is not empty and not a dataset")
        manifest = dataset.read_manifest(out)
        dataset.check_versions(out, manifest)
        if manifest.query != query.as_json():
            raise ArenaError(
                f"{out} was built from another selection ({manifest.query}); "
                "build into a new directory"
            )
        if manifest.teacher != teacher:
            held = manifest.teacher["name"] if manifest.teacher else "no teacher"
            asked = teacher["name"] if teacher else "no teacher"
            raise ArenaError(
                f"{out} is labelled by {held}, not {asked}: build into a new directory"
            )
        dataset.verified_shards(out, manifest)
        return manifest
    return dataset.Manifest(query=query.as_json(), teacher=teacher)


def _remove_leftovers(out: Path, manifest: dataset.Manifest) -> None:
    """Shards an interrupted build wrote but never entered in the manifest."""
    listed = {s["file"] for s in manifest.shards}
    for path in out.glob("shard-*.npz"):
        if path.name not in listed:
            path.unlink()
    for path in out.glob(".*.tmp"):
        path.unlink()


def _chunks(jobs: list[Job], first: int, out: Path) -> Iterator[tuple[Path, list[Job]]]:
    for k in range(0, len(jobs), CHUNK):
        yield out / f"shard-{first + k // CHUNK:05d}.npz", jobs[k : k + CHUNK]


def build(
    out: Path,
    query: Query,
    workers: int = 1,
    db: str | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_chunk: Callable[[int, int], None] = lambda battles, decisions: None,
    teacher: str | None = None,
) -> Built:
    """Adds to `out` every battle the query matches that it does not hold yet, each
    decision labelled with `teacher`'s distribution when one is named."""
    identity = identify(teacher) if teacher is not None else None
    store = Store.open(db)
    selection = select_battles(store, query)
    if not selection:
        raise ArenaError(f"no stored battle matches the selection {query.as_json()}")
    manifest = _open_output(out, query, identity)
    names = store.agent_names()
    held = set(manifest.battles)
    imported = set(store.replays_of(b.id for b, _ in selection))
    jobs = []
    for battle, sides in selection:
        if battle.id in held:
            continue
        agent_ids = [getattr(battle, f"{ROLES[s]}_agent_id") for s in sides]
        agents = tuple(manifest.agent_index(names[a]) for a in agent_ids)
        jobs.append(Job(battle.id, tuple(sides), agents, battle.id in imported))
    store.engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out, manifest)
    on_start(len(jobs))
    added = [0, 0]
    first = 1 + max((int(s["file"][6:11]) for s in manifest.shards), default=-1)
    chunks = _chunks(jobs, first, out)
    for result in _run(chunks, manifest.agents, query, db, workers, teacher):
        shard = result["shard"]
        if shard["decisions"]:
            manifest.shards.append(shard)
        manifest.battles.extend(result["battles"])
        manifest.inferred |= result["inferred"]
        dataset.write_manifest(out, manifest)
        added[0] += len(result["battles"])
        added[1] += shard["decisions"]
        on_chunk(len(result["battles"]), shard["decisions"])
    if not manifest.battles:
        dataset.write_manifest(out, manifest)
    return Built(added[0], added[1], len(manifest.battles), manifest.decisions)


def _run(
    chunks: Iterator,
    agents: list[str],
    query: Query,
    db: str | None,
    workers: int,
    teacher: str | None,
) -> Iterator[dict]:
    """Each chunk's result as it completes; at most two chunks per worker in flight."""
    if workers == 1:
        for path, jobs in chunks:
            yield _encode_chunk(db, path, jobs, agents, query, teacher)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=worker_dies_with_parent
    ) as pool:
        pending: set[Future] = set()
        for path, jobs in chunks:
            pending.add(pool.submit(_encode_chunk, db, path, jobs, agents, query, teacher))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        for future in pending:
            yield future.result()
