"""`arena train`: fine-tune a policy on datasets, diagnosing and evaluating every epoch."""

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from arena.cli.common import (
    PLAY,
    DbOption,
    DeviceOption,
    ServerOption,
    app,
    check_device,
    clean_errors,
    console,
    log_beside,
    server_option,
)
from arena.errors import ArenaError
from arena.training.learn.config import TrainConfig
from arena.training.learn.gauntlet import DEFAULT_OPPONENTS, EvalSettings, alarms

DEFAULTS = TrainConfig()


def _line(record: dict) -> str:
    """One epoch on one line: losses, held-out NLL against uniform, evaluation, verdict."""
    parts = [f"epoch {record['epoch']}"]
    if "actor_loss" in record:
        parts.append(
            f"actor {record['actor_loss']:.3f} critic {record['critic_loss']:.3f} "
            f"|g| {record['grad_norm']:.2f} lr {record['lr']:.1e} "
            f"{record['samples_per_s']:.0f} samples/s"
        )
    parts.append(f"NLL {record['nll']:.3f} (uniform {record['nll_uniform']:.3f})")
    if "teacher_top1" in record:
        parts.append(f"teacher's top slot {100 * record['teacher_top1']:.0f}%")
    for opponent, row in (record.get("evaluation") or {}).items():
        parts.append(f"{opponent} {100 * row['win_rate']:.0f}%")
    flags = alarms(record.get("evaluation") or {})
    text = "  ".join(parts)
    if flags:
        text += "  [yellow]" + ", ".join(flags) + "[/]"
    return f"{text}\n  {record['verdict']}"


@app.command(name="train")
@clean_errors
def train_command(
    out: Annotated[Path, typer.Option("--out", help="The run's directory, e.g. runs/NAME.")],
    data: Annotated[list[Path] | None, typer.Option("--data", help="Dataset directories.")] = None,
    init: Annotated[str, typer.Option(help="base, a checkpoint, or scratch.")] = "scratch",
    size: Annotated[
        str | None, typer.Option(help="tiny, small or medium (scratch: small).")
    ] = None,
    reward: Annotated[
        str, typer.Option(help="default, aggressive, binary, term=weight,... or pkg.module:fn.")
    ] = "default",
    algo: Annotated[str, typer.Option(help="bc or offline-ac.")] = DEFAULTS.algo,
    epochs: Annotated[int, typer.Option(min=1)] = DEFAULTS.epochs,
    steps_per_epoch: Annotated[int, typer.Option(min=1)] = DEFAULTS.steps_per_epoch,
    batch: Annotated[int, typer.Option(min=1)] = DEFAULTS.batch,
    lr: Annotated[float, typer.Option(min=0.0)] = DEFAULTS.lr,
    gamma: Annotated[float, typer.Option(min=0.0, max=1.0)] = DEFAULTS.gamma,
    actor_filter: Annotated[
        str, typer.Option("--filter", help="Advantage filter: exp or binary.")
    ] = DEFAULTS.filter,
    beta: Annotated[float, typer.Option(min=0.0, help="exp filter: weight exp(β·A).")] = (
        DEFAULTS.beta
    ),
    teacher_weight: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of the policy's loss that is cross-entropy to the data's teacher "
            "(`arena data build --teacher`); 1 with --algo bc: expert iteration.",
        ),
    ] = DEFAULTS.teacher_weight,
    eval_opponents: Annotated[
        str, typer.Option(help="Comma-separated; the initial policy is always added.")
    ] = ",".join(DEFAULT_OPPONENTS),
    eval_games: Annotated[
        int, typer.Option(min=0, help="Games per opponent each epoch; even; 0: none.")
    ] = EvalSettings.games,
    db: DbOption = None,
    server: ServerOption = None,
    device: DeviceOption = PLAY.device,
    seed: Annotated[int, typer.Option()] = DEFAULTS.seed,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out.")] = False,
):
    """Train a policy (behaviour cloning or offline actor-critic) on recorded battles."""
    # here, not at the top: the run imports torch, which `arena --help` does without
    from arena.training.learn.run import RunOptions, open_run, train

    if not data and not resume:
        raise ArenaError("--data: name at least one dataset directory")
    check_device(device)
    entry = server_option(server)
    options = RunOptions(
        data=tuple(str(d) for d in data or ()),
        out=str(out),
        init=init,
        size=size,
        reward=reward,
        train=TrainConfig(
            algo=algo,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            batch=batch,
            lr=lr,
            gamma=gamma,
            seed=seed,
            device=device,
            filter=actor_filter,
            beta=beta,
            teacher_weight=teacher_weight,
        ),
        eval=EvalSettings(
            opponents=tuple(o.strip() for o in eval_opponents.split(",") if o.strip()),
            games=eval_games,
            db=db,
            server=entry.websocket if entry else None,
            seed=seed,
        ),
    )
    options, trainer = open_run(options, resume)
    if options.eval.games:
        log_beside(options.eval.db)
    steps = options.train.steps_per_epoch
    bar = Progress(
        TextColumn("[bold]epoch {task.fields[epoch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task("", total=steps, epoch=0)
        result = train(
            options,
            trainer,
            on_epoch_start=lambda epoch: bar.reset(task, total=steps, epoch=epoch),
            on_step=lambda k: bar.update(task, completed=k),
            on_epoch_end=lambda record: bar.console.print(_line(record)),
        )
    best = result["best_epoch"]
    if best is None:
        console.print(f"{out}: {result['epochs']} epochs; no evaluation, so no best epoch")
    else:
        path = Path(out) / f"policy_epoch_{best}.pt"
        console.print(f"best epoch by evaluation: {best} ({path})")
