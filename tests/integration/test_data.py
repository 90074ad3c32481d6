"""`arena data build` and `arena data info` on real battles played on a real server."""

import json

import numpy as np
import pytest

from arena.store.database import Store
from arena.training.data import dataset
from arena.training.data.decisions import COMPONENTS, UNKNOWN_ACTION
from tests.conftest import run_arena

HEURISTICS = "random,grunt,gym-leader"


def _tournament(server, db: str, name: str, agents: str = HEURISTICS, games: int = 2):
    result = run_arena(
        "tournament",
        "--server",
        server.websocket_url,
        "--db",
        db,
        "--agents",
        agents,
        "--games-per-pair",
        str(games),
        "--name",
        name,
        "--seed",
        str(len(name)),
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def store_url(server, tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('data') / 'arena.db'}"
    _tournament(server, db, "heuristics")
    return db


def _build(db: str, out, *args: str):
    return run_arena("data", "build", "--out", str(out), "--db", db, *args)


def test_every_stored_battle_side_becomes_one_trajectory(store_url, tmp_path):
    result = _build(store_url, tmp_path / "d")
    assert result.returncode == 0, result.stderr
    table = dataset.load([tmp_path / "d"])
    battles = {b.id: b for b in Store.open(store_url).battles()}
    assert sorted(set(table.battle.tolist())) == sorted(battles)
    ends = table.take(table.done)
    assert sorted(zip(ends.battle.tolist(), ends.side.tolist(), strict=True)) == sorted(
        (b, s) for b in battles for s in (0, 1)
    )
    victory = ends.components[:, COMPONENTS.index("victory")]
    for battle, side, value in zip(ends.battle, ends.side, victory, strict=True):
        winner = battles[int(battle)].winner
        assert value == (0 if winner is None else (1 if winner == side else -1))
    known = table.action != UNKNOWN_ACTION
    assert table.mask[known.nonzero()[0], table.action[known]].all()
    assert known.mean() > 0.8


def test_a_rerun_adds_only_new_battles(server, store_url, tmp_path):
    db = f"sqlite:///{tmp_path / 'grow.db'}"
    _tournament(server, db, "first", "random,max-power")
    assert _build(db, tmp_path / "d").returncode == 0
    before = dataset.read_manifest(tmp_path / "d")
    again = _build(db, tmp_path / "d")
    assert "added 0 battles" in again.stdout
    _tournament(server, db, "second", "grunt,max-power")
    grown = _build(db, tmp_path / "d")
    assert grown.returncode == 0, grown.stderr
    after = dataset.read_manifest(tmp_path / "d")
    assert after.battles[: len(before.battles)] == before.battles
    assert len(after.battles) == 2 * len(before.battles)
    assert after.shards[: len(before.shards)] == before.shards
    assert after.agents[: len(before.agents)] == before.agents
    assert "grunt" in after.agents


def test_workers_build_the_same_data_as_one_process(store_url, tmp_path):
    assert _build(store_url, tmp_path / "one").returncode == 0
    assert _build(store_url, tmp_path / "two", "--workers", "2").returncode == 0
    one, two = dataset.load([tmp_path / "one"]), dataset.load([tmp_path / "two"])

    def ordered(t):
        return t.take(np.lexsort((np.arange(len(t)), t.side, t.battle)))

    one, two = ordered(one), ordered(two)
    for name in ("action", "mask", "components", "turn", "done"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    for key in one.observations:
        np.testing.assert_array_equal(one.observations[key], two.observations[key])
    assert [one.agents[k] for k in one.agent] == [two.agents[k] for k in two.agent]


def test_filters_keep_only_the_chosen_sides(store_url, tmp_path):
    assert _build(store_url, tmp_path / "g", "--agents", "grunt").returncode == 0
    grunt = dataset.load([tmp_path / "g"])
    assert grunt.agents == ["grunt"]
    assert _build(store_url, tmp_path / "w", "--winners-only").returncode == 0
    winners = dataset.load([tmp_path / "w"])
    ends = winners.components[winners.done, COMPONENTS.index("victory")]
    assert len(ends) and (ends == 1).all()
    # Bradley–Terry Elo is anchored with `random` at 1000, so 1001 leaves random out.
    assert _build(store_url, tmp_path / "e", "--min-elo", "1001").returncode == 0
    assert "random" not in dataset.load([tmp_path / "e"]).agents


def test_info_reports_the_audit(store_url, tmp_path):
    assert _build(store_url, tmp_path / "d").returncode == 0
    result = run_arena("data", "info", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert "label in mask: 100.00%" in result.stdout
    battles = len(Store.open(store_url).battles())
    assert f"battles: {battles}" in result.stdout
    for agent in HEURISTICS.split(","):
        assert agent in result.stdout


def test_a_changed_shard_is_refused_in_one_line(store_url, tmp_path):
    assert _build(store_url, tmp_path / "d").returncode == 0
    shard = sorted((tmp_path / "d").glob("shard-*.npz"))[0]
    shard.write_bytes(shard.read_bytes()[:-100])
    for result in (
        run_arena("data", "info", str(tmp_path / "d")),
        _build(store_url, tmp_path / "d"),
    ):
        assert result.returncode == 2
        assert "changed or truncated" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def _not_a_dataset(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    return ["--out", str(tmp_path / "x")]


def _other_version(tmp_path, store_url):
    assert _build(store_url, tmp_path / "v").returncode == 0
    manifest = tmp_path / "v" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["feature_version"] = -1
    manifest.write_text(json.dumps(data))
    return ["--out", str(tmp_path / "v")]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "no stored battle matches"),
        ("not a dataset", "is not empty and not a dataset"),
        ("other version", "holds features version -1"),
        ("unknown tournament", "unknown tournament 'nope'"),
        ("unknown agent", "unknown agent 'nobody'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(store_url, tmp_path, case, message):
    out = ["--out", str(tmp_path / "new")]
    args = {
        "empty": lambda: [*out, "--format", "gen2ou"],
        "not a dataset": lambda: _not_a_dataset(tmp_path),
        "other version": lambda: _other_version(tmp_path, store_url),
        "unknown tournament": lambda: [*out, "--tournament", "nope"],
        "unknown agent": lambda: [*out, "--agents", "nobody"],
    }[case]()
    result = run_arena("data", "build", "--db", store_url, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new").exists()


def test_info_on_a_directory_that_is_not_a_dataset_is_one_line(tmp_path):
    result = run_arena("data", "info", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"arena: {tmp_path} is not a dataset (no manifest.json)"


def test_a_teacher_labels_every_decision_and_stays_the_datasets_only_one(store_url, tmp_path):
    out = tmp_path / "taught"
    result = _build(store_url, out, "--agents", "gym-leader", "--teacher", "gym-leader")
    assert result.returncode == 0, result.stderr
    manifest = dataset.read_manifest(out)
    assert manifest.teacher["name"] == "gym-leader" and manifest.teacher["identity"]
    table = dataset.load([out])
    rows = np.arange(len(table))
    assert (table.teacher.sum(1) == 1).all() and table.mask[rows, table.teacher.argmax(1)].all()
    # asked at the very state gym-leader decided from, gym-leader chooses what it chose
    known = table.action != UNKNOWN_ACTION
    assert (table.teacher.argmax(1)[known] == table.action[known]).mean() > 0.9
    assert "teacher: gym-leader" in run_arena("data", "info", str(out)).stdout
    for other in (("--teacher", "grunt"), ()):
        refused = _build(store_url, out, "--agents", "gym-leader", *other)
        assert refused.returncode == 2 and "labelled by gym-leader" in refused.stderr
    untaught = tmp_path / "plain"
    assert _build(store_url, untaught, "--agents", "gym-leader").returncode == 0
    assert dataset.read_manifest(untaught).teacher is None
    assert not dataset.load([untaught]).teacher.any()
