"""The command line's shape: every option explained, shared options declared once."""

import importlib.util

import pytest
import typer.main

from arena.cli import app
from arena.cli.tournament import _field
from arena.errors import ArenaError
from arena.store import Store
from models.checkpoint import resolve_path
from models.registry import resolve
from models.shipped import BASE, BASE_CHECKPOINT
from tests.conftest import REPO, run_arena
from training.run import RunOptions, initial_checkpoint

COMMANDS = {c.name: c for c in typer.main.get_command(app).commands.values()}


def _options(command: str) -> dict:
    return {p.name: p for p in COMMANDS[command].params if p.param_type_name == "option"}


def test_every_tournament_option_has_help():
    missing = [name for name, option in _options("tournament").items() if not option.help]
    assert missing == []


def test_battle_and_tournament_options_mean_the_same():
    battle, tournament = _options("battle"), _options("tournament")
    shared = set(battle) & set(tournament)
    assert {"battle_format", "teams", "seed", "concurrency", "server", "device"} <= shared
    for name in shared:
        assert battle[name].help == tournament[name].help, name
        assert battle[name].opts == tournament[name].opts, name


def test_tournament_benchmark_plays_with_the_workers_it_names(tmp_path):
    spec = importlib.util.spec_from_file_location("bench", REPO / "scripts/bench_tournament.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    store = Store.open(f"sqlite:///{tmp_path / 'bench.db'}")
    run = bench.arena_run(store, "w", ["random", "max-power"], "gen1randombattle", None, 2, 2, 3)
    assert run.config.workers == 3


# -- checkpoints: one resolver, shipped names included ---------------------------------


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
