"""A short run of scripts/chaos_store.py: writers killed at random on a new store while
readers read, and every battle a writer logged as committed is there exactly once."""

import importlib.util

from sqlalchemy import create_engine, text

from tests.conftest import REPO


def _chaos():
    spec = importlib.util.spec_from_file_location("chaos", REPO / "scripts" / "chaos_store.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.chaos


def _nothing_lost(result: dict) -> None:
    assert result["kills"] >= 2 and result["committed"] > 0, result
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["reads_damaged"] == 0, result["damaged"]
    assert result["writer_failures"] == 0, result


def test_killed_writers_lose_no_committed_battle_on_sqlite(tmp_path):
    result = _chaos()(f"sqlite:///{tmp_path / 'chaos.db'}", tmp_path, 2, 100, False, 0)
    assert result["integrity"] == "ok", result
    _nothing_lost(result)


def test_killed_writers_lose_no_committed_battle_on_postgresql(postgres_url, tmp_path):
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS arena_chaos"))
        connection.execute(text("CREATE DATABASE arena_chaos"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/arena_chaos"
    _nothing_lost(_chaos()(url, tmp_path, 2, 100, False, 0))
