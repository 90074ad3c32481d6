"""`arena promote` as a user runs it: the epochs' round robin chooses the candidate by the
lower bound of its Bradley–Terry interval, the SPRT decides, the store keeps the chosen
epoch, the verdict and the lineage's champion; bad input is one line and stores nothing."""

import json
import shutil
import sqlite3

import pytest

from arena.models.neural.checkpoint import initialise, sha256
from arena.models.neural.policy import PolicyConfig
from arena.models.shipped import BASE_CHECKPOINT
from arena.rating.ratings import bradley_terry
from arena.report.leaderboard import outcomes
from arena.store.database import Store
from tests.conftest import run_arena

FAST = ["--opponents", "max-power", "--elo1", "150", "--max-pairs", "10", "--concurrency", "8"]


@pytest.fixture
def run_dir(tmp_path):
    """A run whose epochs 1 and 3 are untrained networks and epoch 2 is the base model:
    epoch 2 is the one a round robin should put forward."""
    run = tmp_path / "runs" / "three"
    run.mkdir(parents=True)
    for epoch, seed in ((0, 0), (1, 1), (3, 3)):
        initialise(PolicyConfig.sized("tiny"), seed=seed).save(run / f"policy_epoch_{epoch}.pt")
    shutil.copyfile(BASE_CHECKPOINT, run / "policy_epoch_2.pt")
    return run


def _one_line_error(result, fragment: str):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: "), result.stderr
    assert fragment in lines[0], lines[0]


def _battles(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from battle").fetchone()[0]


def test_promote_picks_the_epoch_with_the_best_lower_bound_and_records_the_verdict(
    tmp_path, run_dir
):
    db_path = tmp_path / "arena.db"
    db = f"sqlite:///{db_path}"
    args = [
        "promote", str(run_dir), "--incumbent", "random", "--games-per-pair", "8",
        "--lineage", "line", "--name", "p1", "--db", db, *FAST,
    ]  # fmt: skip
    result = run_arena(*args)
    assert result.returncode == 0, result.stderr
    assert "PROMOTE" in result.stdout and "candidate: epoch 2" in result.stdout

    store = Store.open(db)
    promotion = store.promotion("p1")
    epoch_2 = str((run_dir / "policy_epoch_2.pt").resolve())
    assert (promotion.epoch, promotion.candidate) == (2, epoch_2)
    assert promotion.candidate_sha256 == sha256(BASE_CHECKPOINT)
    assert (promotion.status, promotion.verdict) == ("finished", "PROMOTE")

    # the round robin, rated again from the stored games: epoch 2 has the best lower bound
    names = {a.id: a.name for a in store.tournament_agents(promotion.tournament_id)}
    ratings = bradley_terry(outcomes(store.battles([promotion.tournament_id]), names), anchor=None)
    assert set(ratings) == {"three/epoch_1", "three/epoch_2", "three/epoch_3"}
    assert max(ratings, key=lambda name: ratings[name].low) == "three/epoch_2"
    assert len(store.battles([promotion.tournament_id])) == 3 * 8

    evaluation = store.evaluation("p1")
    assert evaluation.id == promotion.evaluation_id and evaluation.verdict == "PROMOTE"
    assert json.loads(evaluation.config)["candidate"] == epoch_2
    lineage = store.lineage("line")
    assert (lineage.champion, lineage.champion_sha256) == (epoch_2, promotion.candidate_sha256)
    (generation,) = store.generations(lineage.id)
    assert (generation.stage, generation.parent, generation.promotion_id) == (
        "done",
        "random",
        promotion.id,
    )

    played = _battles(db_path)
    again = run_arena(*args)
    assert again.returncode == 0 and "PROMOTE" in again.stdout, again.stderr
    assert _battles(db_path) == played  # resumed by name: nothing replayed
    assert len(store.generations(lineage.id)) == 1

    # the lineage's champion is now epoch 2: another incumbent is refused
    other = run_arena(
        "promote", str(run_dir), "--incumbent", "gym-leader", "--lineage", "line",
        "--name", "p2", "--db", db, *FAST,
    )  # fmt: skip
    _one_line_error(other, "the incumbent is not the champion of lineage 'line'")
    assert store.promotion("p2") is None


@pytest.mark.parametrize(
    ("make", "extra", "fragment"),
    [
        (lambda run: run.parent / "nope", [], "unknown run directory"),
        (lambda run: run.parent, [], "holds no trained checkpoint"),
        (
            lambda run: run,
            ["--incumbent", "{run}@2"],
            "a candidate cannot be tested against itself",
        ),
        (lambda run: run, ["--elo0", "40", "--elo1", "20"], "--elo0 must be below --elo1"),
        (lambda run: run, ["--games-per-pair", "3"], "--games-per-pair must be a positive even"),
        (lambda run: run, ["--opponents", "nobody"], "unknown agent 'nobody'"),
    ],
    ids=["unknown-run", "no-checkpoints", "candidate-is-incumbent", "hypotheses", "odd", "agent"],
)
def test_bad_input_is_one_line_and_stores_nothing(tmp_path, run_dir, make, extra, fragment):
    (run_dir.parent / "policy_epoch_0.pt").write_bytes((run_dir / "policy_epoch_0.pt").read_bytes())
    run = make(run_dir)
    extra = [value.format(run=run_dir) for value in extra]
    incumbent = [] if "--incumbent" in extra else ["--incumbent", "random"]
    db_path = tmp_path / "bad.db"
    result = run_arena("promote", str(run), *incumbent, *extra, "--db", f"sqlite:///{db_path}")
    _one_line_error(result, fragment)
    assert not db_path.exists()
