"""The `arena` command line: thin commands over the modules that do the work.

A command's module is imported when that command runs (see `Panels`), so `arena --help`
and each command load only what they use.
"""

import typer.main
from typer.core import TyperGroup

from arena.cli.common import COMMANDS, app


def every_command() -> TyperGroup:
    """The whole command line with every command loaded, for whatever inspects it all."""
    group = typer.main.get_command(app)
    group.load(*COMMANDS)
    return group


__all__ = ["app", "every_command"]
