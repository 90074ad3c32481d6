"""The direct transport: simulator hosts instead of a server, seeded and replayable."""

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from arena import aio
from arena.game.teams import load_pool
from arena.game.transport import opened
from arena.matchmaking.runner import play_slots, players_for
from arena.matchmaking.schedule import build, pairings
from arena.matchmaking.settings import PlaySettings
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import resolve
from arena.store.database import Store
from arena.store.tables import decompress_log
from tests.conftest import run_arena

EVERY_KIND = "gym-leader,random,tests.user_bots:FirstLegalPlayer"  # + a checkpoint
DETERMINISTIC = "gym-leader,simple-heuristic,grunt,tests.user_bots:FirstLegalPlayer"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ckpts") / "run1" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("tiny"), seed=1).save(path)
    return path


def _tournament(db, name, *args):
    return run_arena("tournament", "--db", db, "--name", name, *args)


def _battles(db, name):
    store = Store.open(db)
    return store.battles([store.tournament(name).id])


def _outcomes(db, name) -> dict:
    return {(b.pairing, b.pair_index, b.game): (b.winner, b.turns) for b in _battles(db, name)}


def test_direct_and_server_record_the_same_shape(server, tmp_path, checkpoint):
    db = f"sqlite:///{tmp_path / 'shape.db'}"
    field_ = ["--agents", EVERY_KIND, "--models", str(checkpoint), "--games-per-pair", "4"]
    direct = _tournament(db, "direct", *field_)
    assert direct.returncode == 0, direct.stderr
    on_server = _tournament(db, "server", *field_, "--server", server.websocket_url)
    assert on_server.returncode == 0, on_server.stderr
    store = Store.open(db)
    for name in ("direct", "server"):
        battles = _battles(db, name)
        assert len(battles) == 6 * 4
        assert {b.end_reason for b in battles} <= {"normal", "tie"}
        assert all(b.p1_invalid == 0 and b.p2_invalid == 0 for b in battles)
        assert all(b.p1_errors == 0 and b.p2_errors == 0 for b in battles)
        assert all(b.p1_decisions > 0 and b.p2_decisions > 0 for b in battles)
        played = Counter(store.agent_names()[b.p1_agent_id] for b in battles)
        assert len(played) == 4, "every agent kind plays"
        logs = [decompress_log(store.battle(b.id).p1_log).splitlines() for b in battles]
        assert all(log[0] == "|init|battle" and log[1].startswith("|title|") for log in logs)
        ended = ("|win|", "|tie")
        assert all(any(line.startswith(ended) for line in log) for log in logs)
        # (a server's first message ends with a newline: an empty line in its log)
        opening = [[line.split("|")[1] for line in [x for x in log if x][:4]] for log in logs]
        assert all(kinds == ["init", "title", "j", "j"] for kinds in opening)
        requests = [line for log in logs for line in log if line.startswith("|request|{")]
        assert requests and all('"rqid":' in line for line in requests)
        seeds = {b.seed for b in battles}
        assert seeds == {None} if name == "server" else len(seeds) == 24 and None not in seeds


def test_same_seed_replays_every_battle(tmp_path):
    db = f"sqlite:///{tmp_path / 'seeded.db'}"
    for name in ("first", "second"):
        result = _tournament(db, name, "--agents", DETERMINISTIC, "--games-per-pair", "4")
        assert result.returncode == 0, result.stderr
    first, second = _outcomes(db, "first"), _outcomes(db, "second")
    assert len(first) == 6 * 4 and first == second
    other = _tournament(
        db, "other", "--agents", DETERMINISTIC, "--games-per-pair", "4", "--seed", "9"
    )
    assert other.returncode == 0, other.stderr
    assert _outcomes(db, "other") != first, "the seed decides the battles"


def test_random_battles_replay_and_rerun(tmp_path):
    db = f"sqlite:///{tmp_path / 'random.db'}"
    args = ["--agents", "grunt,gym-leader", "--format", "gen1randombattle", "--games-per-pair", "6"]
    for name in ("first", "second"):
        result = _tournament(db, name, *args)
        assert result.returncode == 0, result.stderr
    assert _outcomes(db, "first") == _outcomes(db, "second")
    battle = _battles(db, "second")[-1]
    rerun = run_arena("replay", str(battle.id), "--rerun", "--db", db)
    assert rerun.returncode == 0, rerun.stderr
    assert "reproduced (identical protocol)" in rerun.stdout


def test_rerun_reproduces_a_gen1ou_battle_and_refuses_a_server_one(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'rerun.db'}"
    args = ["--agents", "gym-leader,simple-heuristic", "--games-per-pair", "2"]
    assert _tournament(db, "direct", *args).returncode == 0
    for battle in _battles(db, "direct"):
        rerun = run_arena("replay", str(battle.id), "--rerun", "--db", db)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert f"p{battle.winner + 1} won in {battle.turns} turns: reproduced" in rerun.stdout
    on_server = _tournament(db, "server", *args, "--server", server.websocket_url)
    assert on_server.returncode == 0
    refused = run_arena("replay", str(_battles(db, "server")[0].id), "--rerun", "--db", db)
    assert refused.returncode != 0
    assert refused.stderr.strip().count("\n") == 0 and "no stored seed" in refused.stderr


def test_transport_flag_is_checked():
    both = run_arena("battle", "random", "random", "--transport", "direct", "--server", "x:1")
    assert both.returncode != 0 and "drop --server" in both.stderr
    unknown = run_arena("battle", "random", "random", "--transport", "pigeon")
    assert unknown.returncode != 0 and "unknown --transport 'pigeon'" in unknown.stderr


def test_time_limit_ends_a_stuck_direct_battle(tmp_path):
    db = f"sqlite:///{tmp_path / 'stuck.db'}"
    result = _tournament(
        db,
        "stuck",
        "--agents",
        "tests.user_bots:SleepyPlayer,random",
        "--format",
        "gen1randombattle",
        "--games-per-pair",
        "2",
        "--decision-timeout",
        "60",
        "--battle-time-limit",
        "2",
    )
    assert result.returncode == 0, result.stderr
    battles = _battles(db, "stuck")
    assert len(battles) == 2
    assert all(b.end_reason.startswith("time limit") and b.winner is None for b in battles)


async def test_killed_host_loses_no_slot_and_records_none_twice():
    agents = ["grunt", "gym-leader", "random"]
    slots = build(pairings(agents, "round-robin", None), 10, None, seed=3)
    settings = PlaySettings.defaults(format="gen1randombattle", concurrency=8, seed=3)
    recorded = Counter()
    killed = []

    async with opened("direct", hosts=2) as transport:
        specs = {name: resolve(name) for name in agents}
        pool = transport.pool

        async def on_record(slot, record) -> None:
            assert record.end_reason in ("normal", "tie") and record.seed == slot.battle_seed(3)
            recorded[slot.key] += 1
            if sum(recorded.values()) == 6 and not killed:
                busy = max(pool.hosts, key=lambda host: len(host.battles))
                assert busy.battles, "a host has battles in flight"
                killed.append(busy.process.pid)
                os.kill(busy.process.pid, signal.SIGKILL)

        async with players_for(specs, transport, settings) as players:
            await play_slots(slots, players, settings, on_record, transport=transport)
        assert killed and killed[0] not in pool.pids() and pool.restarts == 1
        assert len(pool.pids()) == 2
    assert set(recorded) == {slot.key for slot in slots}
    assert max(recorded.values()) == 1


def test_a_game_started_as_its_host_dies_is_played_on_another_host():
    """Arena notices a killed host in steps: its pipe closes a few turns of the event loop
    before its output ends and it leaves the pool. Games started in between (on uvloop,
    arena's loop, where a write to the closed pipe raises) must still each be recorded
    once, on the host that lives."""
    for attempt in range(3):
        recorded, restarts = aio.run(_start_games_as_a_host_dies(seed=attempt))
        assert recorded == Counter({key: 1 for key in recorded}) and len(recorded) == 4
        assert restarts == 1


async def _start_games_as_a_host_dies(seed: int) -> tuple[Counter, int]:
    agents = ["random", "max-power"]
    slots = build(pairings(agents, "round-robin", None), 4, None, seed=seed)
    settings = PlaySettings.defaults(format="gen1randombattle", concurrency=4, seed=seed)
    recorded = Counter()

    async def on_record(slot, record) -> None:
        recorded[slot.key] += 1

    async with opened("direct", hosts=2) as transport:
        specs = {name: resolve(name) for name in agents}
        async with players_for(specs, transport, settings) as players:
            pool = transport.pool
            dying = pool.hosts[0]  # the first game's host: both have no battle yet
            os.kill(dying.process.pid, signal.SIGKILL)
            while not dying.process.stdin.is_closing():
                await asyncio.sleep(0)
            assert dying in pool.hosts, "the host left the pool before its pipe closed"
            await play_slots(slots, players, settings, on_record, transport=transport)
        return recorded, pool.restarts


async def test_gen1ou_match_on_hosts_matches_a_second_run():
    _, pool = load_pool("gen1ou", None)
    agents = ["gym-leader", "simple-heuristic"]
    slots = build(pairings(agents, "round-robin", None), 6, pool, seed=5)
    settings = PlaySettings.defaults(format="gen1ou", concurrency=6, seed=5)

    async def once() -> dict:
        results = {}

        async def keep(slot, record) -> None:
            results[slot.key] = (record.winner, record.turns)

        async with opened("direct", hosts=2) as transport:
            specs = {name: resolve(name) for name in agents}
            async with players_for(specs, transport, settings) as players:
                await play_slots(
                    slots,
                    players,
                    settings,
                    keep,
                    transport=transport,
                )
        return results

    first, second = await asyncio.gather(once(), once())
    assert len(first) == 6 and first == second


async def test_a_short_run_starts_only_the_hosts_it_needs():
    """Two games in flight fit on one host: a pool that may grow to three starts one."""
    agents = ["random", "max-power"]
    slots = build(pairings(agents, "round-robin", None), 2, None, seed=1)
    settings = PlaySettings.defaults(format="gen1randombattle", concurrency=2, seed=1)
    recorded = []

    async def on_record(slot, record) -> None:
        recorded.append(slot.key)

    async with opened("direct", hosts=3) as transport:
        specs = {name: resolve(name) for name in agents}
        async with players_for(specs, transport, settings) as players:
            await play_slots(slots, players, settings, on_record, transport=transport)
        assert len(transport.pool.pids()) == 1
    assert len(recorded) == 2
