"""A training run on disk: its options, its initial policy, its data, start and resume.

`runs/NAME/` holds `run.json` (the options it was started with), `policy_epoch_N.pt`
for N = 0 (the initial policy) up to the last finished epoch, `metrics.jsonl` and
`train_state.pt`. `--resume` reads the options back from `run.json` (all but `--server`,
which says where to play now), so a resumed run trains on exactly what it started on.
Everything that can be wrong with the input is checked before anything is written.
"""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from arena.errors import ArenaError
from arena.models.neural.actions import N_ACTIONS
from arena.models.neural.checkpoint import (
    Checkpoint,
    CheckpointError,
    initialise,
    load,
    resolve_path,
)
from arena.models.neural.policy import SIZES, PolicyConfig
from arena.models.registry import resolve
from arena.training.data import dataset, rewards
from arena.training.learn import gauntlet, transitions
from arena.training.learn.trainer import (
    ALGORITHMS,
    FILTERS,
    STATE_FILE,
    RunInfo,
    State,
    TrainConfig,
    Trainer,
    parent_of,
)

RUN_FILE = "run.json"
HELD_OUT = 0.1  # share of battles held out for the diagnosis


@dataclass(frozen=True)
class RunOptions:
    data: tuple[str, ...]
    out: str
    init: str = "scratch"
    size: str | None = None
    reward: str = "default"
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: gauntlet.EvalSettings = field(default_factory=gauntlet.EvalSettings)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RunOptions":
        settings = data["eval"] | {"opponents": tuple(data["eval"]["opponents"])}
        return cls(
            **{
                **data,
                "data": tuple(data["data"]),
                "train": TrainConfig(**data["train"]),
                "eval": gauntlet.EvalSettings(**settings),
            }
        )


def size_of(config: PolicyConfig) -> str | None:
    dims = {k: getattr(config, k) for k in ("d_model", "layers", "heads", "embedding")}
    return next((name for name, size in SIZES.items() if size == dims), None)


def initial_checkpoint(options: RunOptions) -> tuple[Checkpoint, Path | None]:
    """The policy training starts from, and its file (None when from scratch)."""
    if options.init == "scratch":
        size = options.size or "small"
        if size not in SIZES:
            raise ArenaError(f"unknown --size {size!r}: use one of {', '.join(SIZES)}")
        return initialise(PolicyConfig.sized(size), options.train.seed), None
    try:
        path = resolve_path(options.init)
        checkpoint = load(path)
    except CheckpointError as error:
        raise ArenaError(f"--init: {error}") from None
    have = size_of(checkpoint.config) or f"d_model {checkpoint.config.d_model}"
    if options.size is not None and options.size != have:
        raise ArenaError(
            f"--init {options.init} is a {have} model; --size {options.size} asks for another"
        )
    return checkpoint, path


def check_options(options: RunOptions) -> None:
    train = options.train
    if train.algo not in ALGORITHMS:
        raise ArenaError(f"unknown --algo {train.algo!r}: use {' or '.join(ALGORITHMS)}")
    if train.filter not in FILTERS:
        raise ArenaError(f"unknown filter {train.filter!r}: use {' or '.join(FILTERS)}")
    if not 0.0 <= train.teacher_weight <= 1.0:
        raise ArenaError(f"--teacher-weight must lie in [0, 1], got {train.teacher_weight}")
    if options.eval.games and options.eval.games % 2:
        raise ArenaError(
            f"--eval-games must be even (side-swapped pairs), got {options.eval.games}"
        )
    for opponent in options.eval.opponents if options.eval.games else ():
        resolve(opponent)  # a bad name stops the run before it trains


def slot_frequency(decisions) -> list[float]:
    known = decisions.action[decisions.action >= 0]
    counts = np.bincount(known, minlength=N_ACTIONS).astype(float)
    return list(counts / max(counts.sum(), 1))


def prepare(options: RunOptions) -> Trainer:
    """Everything checked and loaded; nothing written yet."""
    check_options(options)
    reward = rewards.resolve(options.reward)
    init, init_path = initial_checkpoint(options)
    dirs = [Path(d) for d in options.data]
    decisions = dataset.load(dirs)
    if options.train.teacher_weight > 0 and not decisions.taught.any():
        raise ArenaError(
            f"--teacher-weight {options.train.teacher_weight}: {', '.join(options.data)} "
            "holds no teacher's targets (build it with `arena data build --teacher`)"
        )
    train_rows, held_rows = decisions.split_by_battle(HELD_OUT, options.train.seed)
    if len(held_rows) == 0 or len(train_rows) == 0:
        raise ArenaError(f"{', '.join(options.data)}: needs at least 2 battles (some are held out)")
    train_reward = rewards.rewards(train_rows, reward)
    gamma, device = options.train.gamma, options.train.device
    scale = transitions.return_scale(train_reward, train_rows, gamma)
    info = RunInfo(
        reward=reward.name,
        data=dataset.manifest_sha256(dirs),
        parent=parent_of(init_path),
        slot_frequency=slot_frequency(train_rows),
    )
    return Trainer(
        options.train,
        init,
        transitions.build(train_rows, train_reward, gamma, scale, device),
        transitions.build(held_rows, rewards.rewards(held_rows, reward), gamma, scale, device),
        info,
        Path(options.out),
    )


def open_run(options: RunOptions, resume: bool) -> tuple[RunOptions, Trainer]:
    """The run to train: a new one (its directory must not exist) or the stored one."""
    out = Path(options.out)
    if resume:
        if not (out / RUN_FILE).is_file():
            raise ArenaError(f"--resume: {out} holds no run to resume (no {RUN_FILE})")
        stored = RunOptions.from_json(json.loads((out / RUN_FILE).read_text()))
        # the server is where to play now, not part of what the run is
        live = replace(stored.eval, server=options.eval.server)
        options = replace(stored, out=options.out, eval=live)
        trainer = prepare(options)
        if (out / STATE_FILE).is_file():
            trainer.restore(State.load(out / STATE_FILE))
        return options, trainer
    if out.exists() and any(out.iterdir()):
        raise ArenaError(f"{out} already exists: use --resume to continue it, or another --out")
    trainer = prepare(options)
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_FILE).write_text(json.dumps(options.to_json(), indent=1))
    return options, trainer


def evaluator(options: RunOptions, trainer: Trainer) -> Callable[[int, Path], dict] | None:
    """Plays each epoch's gauntlet; epochs after 0 also meet the initial policy."""
    if not options.eval.games:
        return None
    name = Path(options.out).name

    def evaluate(epoch: int, path: Path) -> dict:
        opponents = list(options.eval.opponents)
        if epoch > 0:
            opponents.append(str(trainer.checkpoint_path(0)))
        found = gauntlet.gauntlet(name, epoch, path, opponents, options.eval)
        baseline = trainer.history[0].get("evaluation") if trainer.history else None
        return gauntlet.flag(found, baseline if epoch > 0 else None)

    return evaluate


def train(
    options: RunOptions,
    trainer: Trainer,
    on_epoch_start: Callable[[int], None] | None = None,
    on_step: Callable[[int], None] | None = None,
    on_epoch_end: Callable[[dict], None] | None = None,
) -> dict:
    """Epoch 0 (the initial policy, measured), then every epoch left; the summary."""
    evaluate = evaluator(options, trainer)
    report = on_epoch_end or (lambda record: None)
    if not trainer.history:
        report(trainer.finish_epoch({}, evaluate))
    elif not trainer.concluded:
        report(trainer.conclude_epoch(evaluate))
    while trainer.epoch < options.train.epochs:
        if on_epoch_start:
            on_epoch_start(trainer.epoch + 1)
        metrics = trainer.run_epoch(on_step)
        trainer.epoch += 1
        report(trainer.finish_epoch(metrics, evaluate))
    return summary(options, trainer.history)


def summary(options: RunOptions, history: list[dict]) -> dict:
    best = gauntlet.best_epoch(history, options.eval.opponents)
    return {
        "epochs": history[-1]["epoch"],
        "best_epoch": best,
        "best_by": "evaluation" if best is not None else None,
        "verdict": history[-1]["verdict"],
    }
