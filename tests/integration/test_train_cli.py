"""`arena train` as a user runs it: bad input, a killed run resumed, checkpoints that play."""

import json
import signal
import time

import pytest

from arena.models.neural.checkpoint import initialise, load, sha256
from arena.models.neural.features import FEATURE_VERSION
from arena.models.neural.policy import PolicyConfig
from arena.store.database import Store
from arena.training.learn import gauntlet
from arena.training.learn.trainer import METRICS_FILE as METRICS
from tests import synthetic
from tests.conftest import run_arena, start_arena


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """The trainer's subprocesses use one thread: tiny models on a busy machine."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture
def data(tmp_path):
    return synthetic.write(tmp_path / "data", synthetic.two_actions(battles=200, seed=0))


def _train(*args):
    return run_arena("train", "--size", "tiny", "--eval-games", "0", *args)


def _one_line_error(result, fragment: str):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: "), result.stderr
    assert fragment in lines[0], lines[0]


def test_a_dataset_of_another_feature_version_is_refused(tmp_path, data):
    manifest = json.loads((data / "manifest.json").read_text())
    manifest["feature_version"] = FEATURE_VERSION + 1
    (data / "manifest.json").write_text(json.dumps(manifest))
    result = _train("--data", str(data), "--out", str(tmp_path / "run"))
    _one_line_error(result, f"features version {FEATURE_VERSION + 1}")
    assert not (tmp_path / "run").exists()


def test_an_init_of_another_size_is_refused(tmp_path, data):
    checkpoint = tmp_path / "tiny.pt"
    initialise(PolicyConfig.sized("tiny"), seed=0).save(checkpoint)
    result = run_arena(
        "train", "--data", str(data), "--out", str(tmp_path / "run"),
        "--init", str(checkpoint), "--size", "small", "--eval-games", "0",
    )  # fmt: skip
    _one_line_error(result, "is a tiny model; --size small")
    assert not (tmp_path / "run").exists()


def test_an_unknown_reward_is_refused(tmp_path, data):
    result = _train("--data", str(data), "--out", str(tmp_path / "run"), "--reward", "nope")
    _one_line_error(result, "unknown reward function 'nope'")
    assert not (tmp_path / "run").exists()


def test_empty_data_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    from arena.training.data import dataset

    dataset.write_manifest(empty, dataset.Manifest(query={}))
    result = _train("--data", str(empty), "--out", str(tmp_path / "run"))
    _one_line_error(result, "holds no decisions")
    assert not (tmp_path / "run").exists()


def test_an_existing_run_directory_needs_resume(tmp_path, data):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = _train("--data", str(data), "--out", str(out))
    _one_line_error(result, "already exists: use --resume")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _gauntlet_started(db: str, name: str) -> bool:
    try:
        return Store.open(db).tournament(name) is not None
    except Exception:  # the run has not made its store yet
        return False


def _kill_when(process, reached) -> None:
    """SIGKILLs the background run as soon as `reached()` holds (within 300 s)."""
    deadline = time.monotonic() + 300
    while not reached() and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_a_run_killed_in_training_and_in_evaluation_resumes_and_every_checkpoint_plays(
    server, tmp_path, data
):
    out, db = tmp_path / "killed", f"sqlite:///{tmp_path / 'arena.db'}"
    args = [
        "--data", str(data), "--out", str(out), "--epochs", "2", "--steps-per-epoch", "1500",
        "--batch", "32", "--eval-opponents", "random", "--eval-games", "2",
        "--server", server.websocket_url, "--db", db,
    ]  # fmt: skip
    resume = ("train", "--out", str(out), "--resume", "--server", server.websocket_url)
    # killed as epoch 1's steps begin: they take seconds, so none is checkpointed
    _kill_when(start_arena("train", "--size", "tiny", *args), lambda: _lines(out / METRICS))
    assert len(_lines(out / METRICS)) == 1 and not (out / "policy_epoch_1.pt").exists()
    # resumed, then killed once epoch 2 is checkpointed and its gauntlet has begun
    _kill_when(start_arena(*resume), lambda: _gauntlet_started(db, "train:killed:epoch-2"))
    assert len(_lines(out / METRICS)) == 2
    trained = sha256(out / "policy_epoch_2.pt")

    result = run_arena(*resume)
    assert result.returncode == 0, result.stderr
    history = _lines(out / METRICS)
    assert [h["epoch"] for h in history] == [0, 1, 2]
    assert all(h["verdict"] for h in history)
    assert "best epoch by evaluation" in result.stdout
    assert sha256(out / "policy_epoch_2.pt") == trained  # judged, not trained again
    assert history[2]["evaluation"]["random"]["games"] == 2
    store = Store.open(db)
    for epoch in range(3):
        assert store.tournament(f"train:killed:epoch-{epoch}") is not None

    settings = gauntlet.EvalSettings(games=10, db=db, server=server.websocket_url)
    for epoch in range(3):
        path = out / f"policy_epoch_{epoch}.pt"
        checkpoint = load(path)
        assert (checkpoint.epoch, checkpoint.algorithm) == (epoch, "offline-ac")
        assert checkpoint.data and checkpoint.reward == "default"
        played = gauntlet.gauntlet(f"check-{epoch}", epoch, path, ["random"], settings)
        assert played["random"]["games"] == 10
        assert played["random"]["invalid_rate"] == 0  # a fallback (a timeout on a busy
        # machine) is the runner's doing; an invalid choice would be the policy's


def test_a_gauntlet_finds_its_candidate_among_agents_of_the_same_name(server, tmp_path):
    """The same checkpoint sampled at temperature 1 in another tournament of the store
    gets a label of its own; the greedy gauntlet still reports its candidate's games."""
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    checkpoint = tmp_path / "run" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("tiny"), seed=0).save(checkpoint)
    sampled = run_arena(
        "tournament", "--models", str(checkpoint), "--agents", "random", "--db", db,
        "--temperature", "1", "--games-per-pair", "2", "--server", server.websocket_url,
    )  # fmt: skip
    assert sampled.returncode == 0, sampled.stderr
    settings = gauntlet.EvalSettings(games=2, db=db, server=server.websocket_url)
    played = gauntlet.gauntlet("greedy", 0, checkpoint, ["random"], settings)
    assert played["random"]["games"] == 2


def test_behaviour_cloning_on_real_battles_beats_the_uniform_baseline(tmp_path):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    # 40 battles on the simulator host: enough held-out decisions for a clear margin
    played = run_arena(
        "tournament", "--agents", "gym-leader,max-power", "--games-per-pair", "40",
        "--db", db, "--name", "real",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    built = run_arena(
        "data", "build", "--out", str(tmp_path / "data"), "--agents", "gym-leader", "--db", db
    )  # gym-leader decides by rule from what it sees: a policy a small model can learn
    assert built.returncode == 0, built.stderr
    result = _train(
        "--data", str(tmp_path / "data"), "--out", str(tmp_path / "bc"), "--algo", "bc",
        "--epochs", "2", "--steps-per-epoch", "150", "--batch", "64", "--lr", "1e-3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    first, *_, last = _lines(tmp_path / "bc" / "metrics.jsonl")
    assert last["nll"] < 0.8 * last["nll_uniform"], last
    assert last["nll"] < first["nll"]
    assert last["verdict"].startswith("learning")
