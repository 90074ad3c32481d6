"""The `arena` command line: thin commands over the modules that do the work."""

from arena.cli import (  # noqa: F401  (each module registers its commands)
    battle,
    board,
    data,
    db,
    evaluate,
    ladder,
    lineage,
    loop,
    model,
    probe,
    promote,
    reports,
    selfplay,
    server,
    setup,
    tournament,
    train,
    web,
)
from arena.cli.common import app

__all__ = ["app"]
