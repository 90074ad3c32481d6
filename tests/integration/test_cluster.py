"""Play on Ray: a local Ray cluster of 2 CPUs, started once for the module on loopback.

The commands join it by its address as they would join a remote cluster; the library
tests join it from this process.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time

import pytest

from arena.errors import ArenaError
from arena.matchmaking.cluster import NAMESPACE, RayOptions, play_on_ray
from arena.matchmaking.schedule import build, pairings
from arena.matchmaking.settings import PlaySettings
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import resolve
from arena.store.database import Store
from tests.conftest import ARENA, REPO, run_arena, start_arena

# Read by Ray when it is imported, and inherited by every process the tests start: Ray's
# node address is loopback (not the machine's LAN address), reachable from nowhere else.
os.environ.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_AUTH_MODE="disabled")
ray = pytest.importorskip("ray", reason="the dev extra installs Ray")

FIELD = ("--agents", "random,max-power,grunt", "--format", "gen1randombattle")


@pytest.fixture(scope="module")
def cluster():
    """The cluster's address, on loopback."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    address = ray.get_runtime_context().gcs_address
    assert address.startswith("127.0.0.1:"), address
    yield address
    ray.shutdown()


def _battles(db: str, name: str):
    store = Store.open(db)
    return store.battles([store.tournament(name).id])


def _wait_for_battles(process, db: str, name: str, count: int) -> None:
    """Until the background run has stored `count` battles (or ended, or 240 s passed)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if len(_battles(db, name)) >= count:
                return
        except Exception:  # the store or the run is not there yet
            pass
        time.sleep(0.2)


def _keys(battles) -> list[tuple]:
    return sorted((b.pairing, b.pair_index, b.game) for b in battles)


def _table(stdout: str) -> tuple[list[str], set[str]]:
    """The leaderboard's columns and the agents it ranks."""
    lines = stdout.splitlines()
    header = next(line for line in lines if "agent" in line and "games" in line)
    names = {line.split("│")[2].strip() for line in lines if line.startswith("│ ")}
    return [column.strip() for column in header.split("┃")], names


def test_round_robin_on_two_actors_plays_the_schedule_once(cluster, tmp_path):
    db = f"sqlite:///{tmp_path / 'rr.db'}"
    common = (*FIELD, "--games-per-pair", "6", "--db", db)
    on_ray = run_arena(
        "tournament", *common, "--name", "ray", "--ray", cluster, "--ray-actors", "2"
    )
    assert on_ray.returncode == 0, on_ray.stderr
    here = run_arena("tournament", *common, "--name", "here")
    assert here.returncode == 0, here.stderr
    played, reference = _battles(db, "ray"), _battles(db, "here")
    assert len(played) == 18 and len(set(_keys(played))) == 18
    assert _keys(played) == _keys(reference)
    seeds = {(b.pairing, b.pair_index, b.game): b.seed for b in reference}
    assert all(b.seed == seeds[(b.pairing, b.pair_index, b.game)] for b in played)
    assert _table(on_ray.stdout) == _table(here.stdout)
    assert Store.open(db).tournament("ray").status == "finished"


def test_killed_actors_are_replaced_and_every_slot_is_recorded_once(cluster, tmp_path):
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    process = start_arena(
        "tournament",
        *(*FIELD, "--games-per-pair", "16", "--db", db, "--name", "kill"),
        *("--ray", cluster, "--ray-actors", "2", "--concurrency", "4"),
    )
    prefix = f"{socket.gethostname()}-{process.pid}"
    _wait_for_battles(process, db, "kill", 3)
    recorded = len(_battles(db, "kill"))
    for k in range(2):  # every actor the run started with: only successors can finish it
        ray.kill(ray.get_actor(f"{prefix}-{k}", namespace=NAMESPACE))
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    played = _battles(db, "kill")
    assert recorded < 48 and len(played) == 48 and len(set(_keys(played))) == 48
    assert Store.open(db).tournament("kill").status == "finished"
    log = (tmp_path / "kill.log").read_text()
    assert f"{prefix}-2 plays in its place" in log and f"{prefix}-3 plays in its place" in log


def test_a_killed_driver_resumes_on_ray_and_records_every_slot_once(cluster, tmp_path):
    db = f"sqlite:///{tmp_path / 'driver.db'}"
    command = (
        "tournament", *FIELD, "--games-per-pair", "12", "--db", db, "--name", "driver",
        "--ray", cluster, "--ray-actors", "2", "--concurrency", "4",
    )  # fmt: skip
    process = start_arena(*command)
    _wait_for_battles(process, db, "driver", 3)
    process.kill()
    process.communicate(timeout=30)
    recorded = len(_battles(db, "driver"))
    resumed = run_arena(*command)
    assert resumed.returncode == 0, resumed.stderr
    played = _battles(db, "driver")
    assert 3 <= recorded < 36 and len(played) == 36 and len(set(_keys(played))) == 36
    assert Store.open(db).tournament("driver").status == "finished"


def test_a_checkpoint_agent_plays_on_an_actor(cluster, tmp_path):
    path = tmp_path / "run" / "policy_epoch_0.pt"
    sha = initialise(PolicyConfig.sized("tiny"), seed=3).save(path)
    db = f"sqlite:///{tmp_path / 'ckpt.db'}"
    result = run_arena(
        "tournament",
        *("--models", str(path), "--agents", "random", "--games-per-pair", "2"),
        *("--db", db, "--name", "ckpt", "--ray", cluster, "--ray-actors", "1"),
    )
    assert result.returncode == 0, result.stderr
    store = Store.open(db)
    played = _battles(db, "ckpt")
    agents = {a.id: a for a in store.tournament_agents(store.tournament("ckpt").id)}
    assert len(played) == 2
    for battle in played:
        seat = 0 if agents[battle.p1_agent_id].checkpoint_sha256 else 1
        assert agents[(battle.p1_agent_id, battle.p2_agent_id)[seat]].checkpoint_sha256 == sha
        decisions = (battle.p1_decisions, battle.p2_decisions)[seat]
        errors = (battle.p1_errors, battle.p2_errors)[seat]
        assert decisions > 0 and errors == 0


async def test_a_checkpoint_changed_after_it_was_named_is_refused(cluster, tmp_path):
    path = tmp_path / "run" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("tiny"), seed=4).save(path)
    specs = {spec.name: spec for spec in (resolve(str(path)), resolve("random"))}
    initialise(PolicyConfig.sized("tiny"), seed=5).save(path)  # another model, same file
    slots = build(pairings(list(specs), "round-robin", None), 2, None, 0)
    recorded = []

    async def keep(slot, record):
        recorded.append(slot)

    with pytest.raises(ArenaError, match="refused: sha256") as refusal:
        await play_on_ray(
            RayOptions(cluster, actors=1),
            specs,
            slots,
            PlaySettings.defaults(format="gen1randombattle", concurrency=2),
            keep,
            asyncio.Event(),
            transport="direct",
        )
    assert len(str(refusal.value).splitlines()) == 1 and not recorded


def test_a_bot_the_workers_cannot_import_fails_in_one_line(cluster, tmp_path):
    """The bot is importable where the command runs, but not on the cluster's workers."""
    only_here = tmp_path / "only_here"
    only_here.mkdir()
    (only_here / "local_bots.py").write_text(
        "from tests.user_bots import FirstLegalPlayer as LocalPlayer\n"
    )
    db = tmp_path / "bot.db"
    result = subprocess.run(
        [
            *ARENA,
            "tournament",
            *("--agents", "random,local_bots:LocalPlayer", "--format", "gen1randombattle"),
            *("--games-per-pair", "2", "--db", f"sqlite:///{db}", "--name", "bot"),
            *("--ray", cluster, "--ray-actors", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{only_here}"},
    )
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "local_bots" in lines[0], result.stderr
    assert "importable on every Ray worker" in lines[0]
    assert _battles(f"sqlite:///{db}", "bot") == []


def test_without_ray_the_flag_says_how_to_install_it(tmp_path):
    absent = "import sys; sys.modules['ray'] = None; from arena.cli import app; app()"
    result = subprocess.run(
        [sys.executable, "-c", absent, "tournament", "--ray", "auto"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "arena: --ray needs Ray, which is not installed: pip install 'arena[ray]'"
    ]
    assert not (tmp_path / "arena.db").exists()


def test_selfplay_and_evaluate_play_on_actors(cluster, tmp_path):
    db = f"sqlite:///{tmp_path / 'both.db'}"
    on_ray = ("--db", db, "--format", "gen1randombattle", "--ray", cluster, "--ray-actors", "2")
    selfplay = run_arena("selfplay", "random", "--games", "2", "--name", "sp", *on_ray)
    assert selfplay.returncode == 0, selfplay.stderr
    assert "sp: 2 of 2 games stored (2 against itself)" in selfplay.stdout
    evaluation = run_arena(
        "evaluate",
        *("grunt", "--incumbent", "random", "--opponents", "max-power", "--max-pairs", "1"),
        *("--name", "ev", *on_ray),
    )
    assert evaluation.returncode in (0, 10, 11), evaluation.stderr
    assert "after 1 of at most 1 pairs" in evaluation.stdout
    assert len(_battles(db, "evaluation:ev")) == 6


def test_the_search_agent_plays_selfplay_on_actors(cluster, tmp_path):
    """search:N is rebuilt on each actor from its name, with the actor's own search
    workers; a random-battle format has no pool, so its samples come from legal sets."""
    db = f"sqlite:///{tmp_path / 'search.db'}"
    on_ray = ("--db", db, "--format", "gen1randombattle", "--ray", cluster, "--ray-actors", "2")
    selfplay = run_arena("selfplay", "search:4", "--games", "2", "--name", "sp", *on_ray)
    assert selfplay.returncode == 0, selfplay.stderr
    assert "sp: 2 of 2 games stored (2 against itself)" in selfplay.stdout
