"""The command line's shape: every option explained, shared options declared once."""

import csv
import importlib.util
import inspect
import io
import json
import re
import shutil
from dataclasses import replace

import click
import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from arena.cli import app
from arena.cli.common import PANELS
from arena.cli.lineage import lineage_table, wide_table
from arena.cli.tournament import _field
from arena.errors import ArenaError
from arena.models.neural.checkpoint import resolve_path
from arena.models.registry import resolve
from arena.models.shipped import BASE, BASE_CHECKPOINT
from arena.store.database import Store
from arena.training.learn.run import RunOptions, initial_checkpoint
from arena.training.lineage.report import GenerationRow
from tests.conftest import REPO, run_arena

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


# -- the help: panels, paragraphs the terminal wraps -----------------------------------


def _help(*args: str, width: int = 80) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def _commands(group=None, prefix=()):
    """Every command and subcommand, as argument tuples."""
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_help_lists_every_command_once_in_its_panel_in_the_readme_order():
    text = _help()
    panels = re.findall(r"^╭─ (.+?) ─", text, flags=re.MULTILINE)
    listed = re.findall(r"^│ (\w+) ", text, flags=re.MULTILINE)
    assert panels == ["Options", *PANELS]
    assert listed == [name for names in PANELS.values() for name in names]
    assert sorted(listed) == sorted(COMMANDS)
    readme = (REPO / "README.md").read_text()
    assert "`arena --help` lists the commands in panels: " + "; ".join(
        f"{panel}: " + ", ".join(f"`{name}`" for name in names) for panel, names in PANELS.items()
    ) in " ".join(readme.split())


def test_help_paragraphs_are_wrapped_by_the_terminal_not_the_source():
    """A paragraph of help text is one line on a terminal wide enough for it: a line break
    in the source's docstring never shows."""
    summary = _help(width=1000)
    for args, command in _commands():
        paragraphs = [" ".join(p.split()) for p in inspect.cleandoc(command.help).split("\n\n")]
        shown = {" ".join(line.strip("│ ").split()) for line in summary.splitlines()}
        if len(args) == 1:
            assert any(line.endswith(paragraphs[0]) for line in shown), args
        own = {" ".join(line.split()) for line in _help(*args, width=1000).splitlines()}
        for paragraph in paragraphs:
            assert paragraph.replace("`", "") in own, (args, paragraph)


def test_every_export_flag_takes_a_file_or_a_dash_for_standard_output():
    exports = {
        (args, option.name): option
        for args, command in _commands()
        for option in command.params
        if option.name in ("csv", "json", "as_markdown")
    }
    assert {("leaderboard",), ("lineage",), ("tournament",)} <= {a for a, _ in exports}
    for (args, _), option in exports.items():
        assert not option.is_flag and option.metavar == "FILE|-", args
        assert "- for standard output" in option.help, args


def test_exports_to_standard_output_are_the_export_alone(tmp_path):
    path = tmp_path / "arena.db"
    shutil.copyfile(REPO / "tests" / "data" / "main-6c24063" / "arena.db", path)
    db = f"sqlite:///{path}"
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


# -- arena lineage ----------------------------------------------------------------------


def _generation(number: int, **changes) -> GenerationRow:
    row = GenerationRow(
        lineage="gen1ou-offline-ac-binary-reward", generation=number, stage="done",
        checkpoint=f"gen1ou-offline-ac-binary-reward-g{number}/epoch_12", sha256="ab" * 32,
        epoch=12, parent="base", parent_sha256="cd" * 32, reward="binary", battles=12_000,
        decisions=650_000, verdict="INCONCLUSIVE", llr=-1.23, pairs=500, elo=-123.4,
        elo_low=-456.7, elo_high=-12.3,
        win_rates={"simple-heuristic": 0.5, "gym-leader": 0.35, "mybots.search:DeepSearch": 0.1},
        alarms=["regression: against gym-leader 35.0% vs the incumbent's 52.0% (z -2.41)"],
    )  # fmt: skip
    return replace(row, **changes)


def test_lineage_fits_an_80_column_terminal_and_shows_what_decides():
    rows = [
        _generation(1, verdict="PROMOTE", elo=41.0, elo_low=12.0, elo_high=70.0, alarms=[]),
        _generation(2),
        _generation(3, stage="train", verdict=None, elo=None, win_rates={}, alarms=[]),
    ]
    out = io.StringIO()
    Console(file=out, width=200).print(lineage_table(rows))
    lines = out.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80, out.getvalue()
    text = out.getvalue()
    assert "+41 [+12, +70]" in text and "-123 [-457, -12]" in text
    assert "10.0% mybots.search:DeepSearch" in text and "(train)" in text
    assert "gen 2 alarms: regression" in text
    wide = io.StringIO()
    Console(file=wide, width=400).print(wide_table(rows))
    assert "ab" * 6 in wide.getvalue() and "vs gym-leader" in wide.getvalue()
