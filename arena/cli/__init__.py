"""The `arena` command line: thin commands over the modules that do the work."""

from arena.cli import battle, data, ladder, model, reports, selfplay, server, tournament  # noqa: F401  (each module registers its commands)
from arena.cli.common import app

__all__ = ["app"]
