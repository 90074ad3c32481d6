"""The dataset on disk: what is written is what is read, and a damaged one is refused."""

import json

import numpy as np
import pytest

from arena.errors import ArenaError
from arena.models.neural.features import FEATURE_VERSION
from arena.training.data import dataset
from arena.training.data.decisions import COMPONENTS, Decisions


def _decisions(n: int, battle: int, agent: int) -> Decisions:
    rng = np.random.default_rng(battle)
    return Decisions(
        observations={"globals": rng.random((n, 3), dtype=np.float32)},
        action=rng.integers(0, 9, n),
        mask=np.ones((n, 9), dtype=bool),
        components=rng.random((n, len(COMPONENTS)), dtype=np.float32),
        done=np.arange(n) == n - 1,
        battle=np.full(n, battle, dtype=np.int64),
        side=np.zeros(n, dtype=np.int8),
        turn=np.arange(n, dtype=np.int32),
        agent=np.full(n, agent, dtype=np.int32),
        fallback=np.zeros(n, dtype=bool),
        agents=["alpha", "beta"],
    )


def _write(directory, parts: list[Decisions]) -> None:
    directory.mkdir()
    manifest = dataset.Manifest(query={"tournaments": ["t"]}, agents=["alpha", "beta"])
    for k, part in enumerate(parts):
        name = f"shard-{k:05d}.npz"
        sha = dataset.write_shard(directory / name, part)
        manifest.shards.append({"file": name, "sha256": sha, "decisions": len(part), "battles": 1})
        manifest.battles.append(int(part.battle[0]))
    dataset.write_manifest(directory, manifest)


def test_load_returns_every_row_written_with_agent_names_kept(tmp_path):
    _write(tmp_path / "a", [_decisions(4, 1, 1), _decisions(3, 2, 0)])
    _write(tmp_path / "b", [_decisions(2, 3, 1)])
    table = dataset.load([tmp_path / "a", tmp_path / "b"])
    assert len(table) == 9
    assert table.battle.tolist() == [1] * 4 + [2] * 3 + [3] * 2
    assert [table.agents[k] for k in table.agent] == ["beta"] * 4 + ["alpha"] * 3 + ["beta"] * 2
    np.testing.assert_array_equal(
        table.observations["globals"][:4], _decisions(4, 1, 1).observations["globals"]
    )


def test_a_truncated_shard_is_refused_by_its_sha256(tmp_path):
    _write(tmp_path / "a", [_decisions(4, 1, 1)])
    shard = tmp_path / "a" / "shard-00000.npz"
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(ArenaError, match="changed or truncated"):
        dataset.load([tmp_path / "a"])


def test_a_directory_without_manifest_is_not_a_dataset(tmp_path):
    with pytest.raises(ArenaError, match="is not a dataset"):
        dataset.load([tmp_path])


def test_another_feature_version_is_refused(tmp_path):
    _write(tmp_path / "a", [_decisions(4, 1, 1)])
    path = tmp_path / "a" / "manifest.json"
    data = json.loads(path.read_text())
    data["feature_version"] = FEATURE_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(ArenaError, match=f"features version {FEATURE_VERSION + 1}"):
        dataset.load([tmp_path / "a"])


def test_an_empty_dataset_is_refused(tmp_path):
    _write(tmp_path / "a", [])
    with pytest.raises(ArenaError, match="holds no decisions"):
        dataset.load([tmp_path / "a"])


def test_manifest_digest_follows_the_data_not_the_paths(tmp_path):
    _write(tmp_path / "a", [_decisions(4, 1, 1)])
    _write(tmp_path / "b", [_decisions(4, 1, 1)])
    _write(tmp_path / "c", [_decisions(5, 1, 1)])
    digest = dataset.manifest_sha256
    assert digest([tmp_path / "a"]) == digest([tmp_path / "b"])
    assert digest([tmp_path / "a"]) != digest([tmp_path / "c"])
    assert digest([tmp_path / "a", tmp_path / "c"]) == digest([tmp_path / "c", tmp_path / "a"])
