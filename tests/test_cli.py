"""The command line's shape: every option explained, shared options declared once."""

import importlib.util

import typer.main

from arena.cli import app
from arena.store import Store
from tests.conftest import REPO

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
