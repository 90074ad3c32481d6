"""The `arena` command line: thin commands over the modules that do the work."""

from arena.cli import battle, ladder, model, reports, server, tournament, train  # noqa: F401  (each module registers its commands)
from arena.cli.common import app

__all__ = ["app"]
