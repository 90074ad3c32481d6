"""The command line on real checkpoints and exports: a shipped model's name works wherever
a checkpoint is taken, a missing one is one line, and an export to standard output is the
export alone."""

import csv
import io
import json
import shutil

import pytest

from arena.cli.tournament import _field
from arena.errors import ArenaError
from arena.models.neural.checkpoint import resolve_path
from arena.models.registry import resolve
from arena.models.shipped import BASE, BASE_CHECKPOINT
from arena.training.learn.run import RunOptions, initial_checkpoint
from tests.conftest import REPO, run_arena


def test_a_shipped_models_name_is_a_checkpoint_wherever_one_is_taken():
    info = run_arena("model", "info", BASE)
    assert info.returncode == 0, info.stderr
    assert f"agent name: {BASE}" in info.stdout and str(BASE_CHECKPOINT) in info.stdout
    assert resolve_path(BASE) == BASE_CHECKPOINT
    assert _field([BASE], None, False) == (BASE,)  # tournament --models base
    options = RunOptions(data=(), out="unused", init=BASE, size=None, reward="default")
    assert initial_checkpoint(options)[1] == BASE_CHECKPOINT  # train --init base
    # evaluate, promote's incumbent and loop --init name agents: one agent by either name
    by_name, by_file = resolve(BASE), resolve(str(BASE_CHECKPOINT))
    assert by_name.name == by_file.name == BASE and by_name.identity == by_file.identity


def test_a_missing_checkpoint_is_one_line_naming_it():
    missing = run_arena("model", "info", "nowhere/at-all.pt")
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        "arena: no such checkpoint: nowhere/at-all.pt"
    ]
    with pytest.raises(ArenaError, match="--models: no such checkpoint: nowhere"):
        _field(["nowhere"], None, False)


def test_exports_to_standard_output_are_the_export_alone(tmp_path):
    path = tmp_path / "arena.db"
    shutil.copyfile(REPO / "tests" / "data" / "main-6c24063" / "arena.db", path)
    db = f"sqlite:///{path}"
    assert run_arena("db", "upgrade", "--db", db).returncode == 0  # reports never migrate
    as_csv = run_arena("leaderboard", "--csv", "-", "--db", db)
    as_json = run_arena("leaderboard", "--json", "-", "--db", db)
    assert as_csv.returncode == 0 and as_json.returncode == 0, as_csv.stderr + as_json.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["agent"] for r in rows] == [r["agent"] for r in json.loads(as_json.stdout)]
    ladder = run_arena("leaderboard", "--ladder", "--json", "-", "--db", db)
    assert ladder.returncode == 0 and json.loads(ladder.stdout)[0]["server"], ladder.stderr
    matrix = run_arena("matrix", "--csv", "-", "--db", db)
    assert matrix.stdout.startswith("agent,opponent,"), matrix.stderr
    markdown = run_arena("leaderboard", "--markdown", "-", "--db", db)
    assert markdown.stdout.startswith("| rank | agent |"), markdown.stderr
    lineages = run_arena("lineage", "--json", "-", "--db", db)  # the store holds none
    assert lineages.returncode == 0 and json.loads(lineages.stdout) == [], lineages.stderr
