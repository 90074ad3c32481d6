"""`arena loop` and `arena lineage` as a user runs them: two generations with the tiny base
model, killed in the training stage and resumed without redoing a finished stage; the
lineage lists both; bad input is one line and stores nothing."""

import csv
import json
import signal
import time

import pytest

from arena.models.neural.checkpoint import sha256
from arena.store.database import Store
from tests.conftest import run_arena, start_arena


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def _loop_args(tmp_path, db: str) -> list[str]:
    return [
        "loop", "--init", "base", "--generations", "2", "--selfplay-games", "4",
        "--opponents", "random", "--epochs", "1", "--steps-per-epoch", "600",
        "--batch", "32", "--max-pairs", "3", "--elo1", "150", "--concurrency", "8",
        "--name", "lin", "--runs", str(tmp_path / "runs"), "--db", db,
    ]  # fmt: skip


def _stage(db: str, number: int) -> str | None:
    store = Store.open(db)
    lineage = store.lineage("lin")
    generations = store.generations(lineage.id) if lineage else []
    found = [g.stage for g in generations if g.number == number]
    store.engine.dispose()
    return found[0] if found else None


def _one_line_error(result, fragment: str):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: "), result.stderr
    assert fragment in lines[0], lines[0]


def test_two_generations_killed_in_training_resume_and_the_lineage_lists_both(tmp_path):
    db_path = tmp_path / "arena.db"
    db = f"sqlite:///{db_path}"
    args = _loop_args(tmp_path, db)
    run_1 = tmp_path / "runs" / "lin" / "lin-g1"
    started = time.monotonic()
    process = start_arena(*args)
    deadline = time.monotonic() + 300
    while not (run_1 / "policy_epoch_0.pt").exists() and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)  # in generation 1's first training epoch
    process.wait()
    assert _stage(db, 1) == "train" and not (run_1 / "policy_epoch_1.pt").exists()

    store = Store.open(db)
    selfplay = store.tournament("loop:lin:g1:selfplay")
    played = {(b.id, b.battle_tag) for b in store.battles([selfplay.id])}
    assert len(played) == 2 * 4  # itself and random, 4 games each
    manifest = (tmp_path / "runs" / "lin" / "data" / "g1" / "manifest.json").read_text()

    resumed = run_arena(*args, timeout=600)
    elapsed = time.monotonic() - started
    assert resumed.returncode == 0, resumed.stderr
    lines = resumed.stdout.splitlines()
    # it picks up inside the training stage: self-play and data are not run again
    assert lines[0] == "lin generation 1: train", resumed.stdout
    assert {(b.id, b.battle_tag) for b in store.battles([selfplay.id])} == played
    assert (tmp_path / "runs" / "lin" / "data" / "g1" / "manifest.json").read_text() == manifest
    metrics = [json.loads(line) for line in (run_1 / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [0, 1]

    lineage = store.lineage("lin")
    first, second = store.generations(lineage.id)
    assert (first.stage, second.stage) == ("done", "done")
    promotion_1 = store.promotion_by_id(first.promotion_id)
    promotion_2 = store.promotion_by_id(second.promotion_id)
    # generation 2 starts from whatever generation 1's verdict left as champion
    if promotion_1.verdict == "PROMOTE":
        champion = (promotion_1.candidate, sha256(promotion_1.candidate))
    else:
        champion = ("base", first.parent_sha256)
    assert (second.parent, second.parent_sha256) == champion
    # the second generation trained on both generations' games
    options = json.loads((tmp_path / "runs" / "lin" / "lin-g2" / "run.json").read_text())
    assert [p.rsplit("/", 1)[-1] for p in options["data"]] == ["g1", "g2"]

    table = tmp_path / "lineage.csv"
    listed = run_arena("lineage", "lin", "--csv", str(table), "--db", db)
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(table.open()))
    assert [r["generation"] for r in rows] == ["1", "2"]
    for row, promotion, number in ((rows[0], promotion_1, 1), (rows[1], promotion_2, 2)):
        assert row["checkpoint"] == f"lin-g{number}/epoch_1"
        assert row["sha256"] == promotion.candidate_sha256 == sha256(promotion.candidate)
        assert row["verdict"] == promotion.verdict
        assert row["reward"] == "default" and int(row["battles"]) == 8 * number
        assert int(row["pairs"]) == store.evaluation(f"loop:lin:g{number}").pairs > 0
        assert float(row["elo_low"]) <= float(row["elo"]) <= float(row["elo_high"])
        assert 0.0 <= float(row["win_rate random"]) <= 1.0
    assert rows[0]["parent"] == "base"
    as_json = json.loads(run_arena("lineage", "lin", "--json", "-", "--db", db).stdout)
    assert [g["generation"] for g in as_json] == [1, 2]
    print(f"two-generation loop, killed and resumed: {elapsed:.1f} s")

    done = run_arena(*args)  # nothing left to do: no stage runs again
    assert done.returncode == 0 and "generation" not in done.stdout.split("┏")[0]


def test_bad_input_is_one_line_and_stores_nothing(tmp_path):
    db_path = tmp_path / "bad.db"
    db = f"sqlite:///{db_path}"
    base = _loop_args(tmp_path, db)
    for change, fragment in (
        (["--selfplay-games", "3"], "--selfplay-games must be a positive even number"),
        (["--init", "random"], "--init must be base or a checkpoint"),
        (["--reward", "nope"], "unknown reward function 'nope'"),
        (["--elo0", "10", "--elo1", "5"], "--elo0 must be below --elo1"),
        (["--name", "a/b"], "--name must be a plain name"),
    ):
        _one_line_error(run_arena(*base, *change), fragment)
        assert not db_path.exists()
    Store.open(f"sqlite:///{tmp_path / 'l.db'}")  # `lineage` reads a store, never makes one
    unknown = run_arena("lineage", "nobody", "--db", f"sqlite:///{tmp_path / 'l.db'}")
    _one_line_error(unknown, "unknown lineage 'nobody'")
