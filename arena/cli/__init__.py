"""The `arena` command line: thin commands over the modules that do the work.

A command's module is imported when that command runs (see `Panels`), so `arena --help`
and each command load only what they use.
"""

import gc

import typer.main
from typer.core import TyperGroup

from arena.cli.common import COMMANDS, app


def every_command() -> TyperGroup:
    """The whole command line with every command loaded, for whatever inspects it all."""
    group = typer.main.get_command(app)
    group.load(*COMMANDS)
    return group


def main() -> None:
    """`arena` itself. Everything a command made is garbage once it ends, and the
    interpreter's shutdown would collect it all, again and again as it clears each module
    (half a second after a short tournament): frozen, those objects are simply let go."""
    try:
        app(prog_name="arena")
    finally:
        gc.freeze()


__all__ = ["app", "every_command", "main"]
