"""The command line's shape: every option explained, shared options declared once."""

import inspect
import io
import re
from dataclasses import replace

from rich.console import Console
from typer.core import TyperGroup
from typer.testing import CliRunner

from arena.cli import app, every_command
from arena.cli.common import COMMANDS as SUMMARIES
from arena.cli.common import PANELS
from arena.cli.lineage import lineage_table, wide_table
from arena.training.lineage.report import GenerationRow
from tests.conftest import REPO

COMMANDS = {c.name: c for c in every_command().commands.values()}


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


def _help(*args: str, width: int = 80) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def _commands(group=None, prefix=()):
    """Every command and subcommand, as argument tuples."""
    group = group or every_command()
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, TyperGroup):
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


def test_each_listed_summary_is_its_commands_own_first_paragraph():
    """`arena --help` lists commands without loading them, from summaries kept beside the
    panels: each must say what the command itself says."""
    stale = {
        name: summary
        for name, (_, summary) in SUMMARIES.items()
        if " ".join(COMMANDS[name].help.split("\n\n")[0].split()) != summary
    }
    assert stale == {}


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
