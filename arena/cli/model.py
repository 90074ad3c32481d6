"""`arena model`: make a fresh checkpoint, or describe one."""

from pathlib import Path
from typing import Annotated

import typer

from arena.cli.common import clean_errors, command_group, console
from arena.errors import ArenaError

model_app = command_group("model", "Create and inspect policy checkpoints.")


@model_app.command("init")
@clean_errors
def init(
    out: Annotated[Path, typer.Option(help="Where to write the checkpoint (.pt).")],
    size: Annotated[str, typer.Option(help="tiny, small or medium.")] = "small",
    seed: Annotated[int, typer.Option(help="Seeds the initial weights.")] = 0,
):
    """Write a freshly initialised checkpoint."""
    from arena.models.neural.checkpoint import initialise
    from arena.models.neural.policy import PolicyConfig

    try:
        config = PolicyConfig.sized(size)
    except ValueError as error:
        raise ArenaError(str(error)) from None
    digest = initialise(config, seed).save(out)
    console.print(f"wrote {out} (sha256 {digest})", highlight=False)


@model_app.command("info")
@clean_errors
def info(checkpoint: Annotated[str, typer.Argument(help="File, run directory or DIR@EPOCH.")]):
    """Print a checkpoint's metadata, parameter count and sha256."""
    from arena.models.neural.checkpoint import (
        CheckpointError,
        agent_name,
        load,
        resolve_path,
        sha256,
    )

    try:
        path = resolve_path(checkpoint)
        loaded = load(path)
    except CheckpointError as error:
        raise ArenaError(str(error)) from None
    parameters = sum(t.numel() for t in loaded.state_dict.values())
    rows = {
        "file": str(path),
        "agent name": agent_name(path),
        "sha256": sha256(path),
        "parameters": f"{parameters:,}",
        "config": loaded.config.to_dict(),
        "epoch": loaded.epoch,
        "reward": loaded.reward,
        "parent": loaded.parent,
        "metrics": loaded.metrics,
    }
    for key, value in rows.items():
        console.print(f"{key:>11}: {value}", highlight=False, soft_wrap=True)
