"""The generation loop: champion → self-play → data → training → promotion → champion.

Each generation plays the lineage's champion against itself and a pool of opponents
(a self-play run), adds those games to the lineage's data (one dataset directory per
generation, built incrementally), trains a run from the champion on every generation's
data so far, and sends that run through the promotion gate against the champion; a
PROMOTE makes its best epoch the next generation's champion.

The stage a generation has reached is stored before the next begins, and every stage
resumes on its own terms (the self-play run by name, the dataset build by what its
manifest holds, the trainer from its state file, the promotion by name), so a killed
loop picks up inside the stage it was in and never redoes a finished one.
"""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from arena.config import defaults
from arena.errors import ArenaError, interrupted
from arena.gate.evaluation import EvaluationConfig, check_config
from arena.matchmaking.schedule import check_even
from arena.matchmaking.selfplay import KIND
from arena.matchmaking.settings import PlaySettings
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig
from arena.models.registry import AgentSpec, resolve
from arena.models.shipped import BASE
from arena.store.database import Store
from arena.store.tables import Generation, Lineage
from arena.training.data import rewards
from arena.training.data.build import Query, build
from arena.training.data.teacher import identify
from arena.training.learn.gauntlet import DEFAULT_OPPONENTS, EvalSettings
from arena.training.learn.run import RUN_FILE, RunOptions, open_run, train
from arena.training.learn.trainer import ALGORITHMS, TrainConfig
from arena.training.lineage.promotion import (
    ROUND_ROBIN_GAMES,
    Play,
    PromotionConfig,
    play_quietly,
    promote,
)

STAGES = ("selfplay", "data", "train", "promote", "done")
PLAY = PlaySettings.defaults()  # how the gate plays (greedy checkpoints)
SAMPLING = PlaySettings.defaults("loop").temperature  # how the champion plays itself


@dataclass(frozen=True)
class LoopConfig:
    """A lineage's loop; all but `generations`, `concurrency` and `device` are stored
    with the lineage and must be the same when it is resumed or extended."""

    name: str
    init: str = "base"
    generations: int = 1
    selfplay_games: int = defaults()["selfplay"]["games"]
    opponents: tuple[str, ...] = DEFAULT_OPPONENTS
    temperature: float = SAMPLING  # the champion samples its self-play moves
    reward: str = "default"
    algo: str = "offline-ac"
    epochs: int = 5
    steps_per_epoch: int = 1000
    batch: int = 128
    games_per_pair: int = ROUND_ROBIN_GAMES
    elo0: float = 0.0
    elo1: float = 35.0
    alpha: float = 0.05
    beta: float = 0.05
    max_pairs: int = 500
    format: str = PLAY.format
    seed: int = PLAY.seed
    runs: str = "runs"  # runs/NAME holds the lineage's runs and data
    teacher: str | None = None  # labels the self-play decisions (`arena data build --teacher`)
    teacher_weight: float = 1.0  # with a teacher: `TrainConfig.teacher_weight`
    concurrency: int = PLAY.concurrency
    device: str = PLAY.device

    RUNTIME = ("generations", "concurrency", "device")

    def stored(self) -> dict:
        data = asdict(self)
        for key in self.RUNTIME:
            data.pop(key)
        if self.teacher is None:  # as lineages stored before teachers were
            del data["teacher"], data["teacher_weight"]
        return json.loads(json.dumps(data))

    @property
    def root(self) -> Path:
        return Path(self.runs).resolve() / self.name


def check(config: LoopConfig) -> AgentSpec:
    """Every refusal the loop can meet before anything is stored; the initial champion."""
    if not config.name or "/" in config.name:
        raise ArenaError(f"--name must be a plain name, got {config.name!r}")
    if config.generations < 1:
        raise ArenaError(f"--generations must be at least 1, got {config.generations}")
    check_even(config.selfplay_games, "--selfplay-games")
    check_even(config.games_per_pair, "--games-per-pair")
    if config.algo not in ALGORITHMS:
        raise ArenaError(f"unknown --algo {config.algo!r}: use {' or '.join(ALGORITHMS)}")
    if not config.opponents:
        raise ArenaError("--opponents names no agent")
    rewards.resolve(config.reward)
    if config.teacher is not None:
        identify(config.teacher)
        if not 0.0 < config.teacher_weight <= 1.0:
            raise ArenaError(f"--teacher-weight must lie in (0, 1], got {config.teacher_weight}")
    init = resolve(config.init, config.device)
    if init.sha256 is None:
        raise ArenaError(f"--init must be base or a checkpoint, got {config.init!r}")
    check_config(_evaluation(config, "", config.init))
    for opponent in config.opponents:
        if resolve(opponent, config.device).name == init.name:
            raise ArenaError(f"--opponents: {opponent!r} is the initial champion itself")
    return init


def _evaluation(config: LoopConfig, name: str, incumbent: str) -> EvaluationConfig:
    return EvaluationConfig(
        name=name,
        candidate="",
        incumbent=incumbent,
        opponents=config.opponents,
        elo0=config.elo0,
        elo1=config.elo1,
        alpha=config.alpha,
        beta=config.beta,
        max_pairs=config.max_pairs,
        play=replace(
            PLAY,
            format=config.format,
            concurrency=config.concurrency,
            seed=config.seed,
            device=config.device,
        ),
    )


def _lineage(store: Store, config: LoopConfig, init: AgentSpec) -> Lineage:
    """The loop's lineage, created with the init as its champion, or checked to be the
    same loop when resumed."""
    mine = config.stored()

    def differs(stored: dict) -> list[str]:
        if not stored:
            raise ArenaError(
                f"lineage {config.name!r} was made by arena promote: use another --name"
            )
        return [key for key, value in mine.items() if stored.get(key) != value]

    def create() -> Lineage:
        champion = BASE if init.name == BASE else str(Path(init.import_path).resolve())
        return store.create_lineage(
            name=config.name,
            config=json.dumps(mine, sort_keys=True),
            champion=champion,
            champion_sha256=init.sha256,
        )

    return store.create_or_check(
        KIND,
        config.name,
        mine,
        differs,
        "rerun it as it was (only --generations may grow), or use a new --name",
        what="loop",
        row=Lineage,
        create=create,
    )


class Loop:
    """A lineage's generations, advanced stage by stage against one store."""

    def __init__(
        self,
        config: LoopConfig,
        db: str | None,
        websocket_url: str | None,
        on_stage: Callable[[Generation, str], None] = lambda generation, stage: None,
        play: Play = play_quietly,
    ):
        self.config, self.db, self.websocket_url = config, db, websocket_url
        self.on_stage, self.play = on_stage, play
        init = check(config)
        self.store = Store.open(db)
        self.lineage = _lineage(self.store, config, init)

    def run(self) -> list[Generation]:
        """Every generation up to `generations`, from wherever the store says it stopped."""
        while (generation := self._current()) is not None:
            for stage in STAGES[STAGES.index(generation.stage) : -1]:
                self.on_stage(generation, stage)
                getattr(self, f"_{stage}")(generation)
                if stage != "promote":  # the promotion stores its verdict and `done` at once
                    following = STAGES[STAGES.index(stage) + 1]
                    self.store.save_generation(generation.id, stage=following)
            self.on_stage(generation, "done")
        return self.store.generations(self.lineage.id)

    def _current(self) -> Generation | None:
        generations = self.store.generations(self.lineage.id)
        if generations and generations[-1].stage != "done":
            return generations[-1]
        if len(generations) >= self.config.generations:
            return None
        lineage = self.store.lineage(self.config.name)
        number = len(generations) + 1
        root, name = self.config.root, self.config.name
        return self.store.create_generation(
            lineage_id=lineage.id,
            number=number,
            stage=STAGES[0],
            parent=lineage.champion,
            parent_sha256=lineage.champion_sha256,
            selfplay=f"loop:{name}:g{number}:selfplay",
            data=str(root / "data" / f"g{number}"),
            run=str(root / f"{name}-g{number}"),
        )

    # -- the stages ------------------------------------------------------------------

    def _selfplay(self, generation: Generation) -> None:
        c = self.config
        champion = resolve(generation.parent, c.device, c.temperature)
        if champion.sha256 != generation.parent_sha256:
            raise ArenaError(
                f"the champion {generation.parent} is not the file it was (sha256 "
                f"{str(generation.parent_sha256)[:12]}): restore it to go on"
            )
        # the gate's teams and limits, sampled at the loop's temperature; each generation
        # plays other teams
        play = replace(
            _evaluation(c, "", generation.parent).play,
            seed=c.seed + generation.number,
            temperature=c.temperature,
        )
        config = TournamentConfig(
            generation.selfplay,
            (generation.parent, *c.opponents),
            c.selfplay_games,
            KIND,
            generation.parent,
            play,
        )
        run = tournament_run(config, lambda: Store.open(self.db), KIND)
        if run.pending and self.play(run, lambda: run.play(self.websocket_url)):
            run.store.set_status(run.tournament_id, "interrupted")
            raise interrupted(config.name)
        run.store.set_status(run.tournament_id, "finished")

    def _data(self, generation: Generation) -> None:
        query = Query(tournaments=(generation.selfplay,), format=self.config.format)
        build(Path(generation.data), query, db=self.db, teacher=self.config.teacher)

    def _train(self, generation: Generation) -> None:
        c = self.config
        earlier = self.store.generations(self.lineage.id)
        options = RunOptions(
            data=tuple(g.data for g in earlier if g.number <= generation.number),
            out=generation.run,
            init=generation.parent,
            reward=c.reward,
            train=TrainConfig(
                algo=c.algo,
                epochs=c.epochs,
                steps_per_epoch=c.steps_per_epoch,
                batch=c.batch,
                seed=c.seed,
                device=c.device,
                teacher_weight=c.teacher_weight if c.teacher else 0.0,
            ),
            eval=EvalSettings(games=0, db=self.db),  # the promotion gate measures it
        )
        options, trainer = open_run(options, resume=(Path(generation.run) / RUN_FILE).is_file())
        train(options, trainer)

    def _promote(self, generation: Generation) -> None:
        name = f"loop:{self.config.name}:g{generation.number}"
        evaluation = _evaluation(self.config, name, generation.parent)
        config = PromotionConfig(
            run=generation.run,
            evaluation=replace(evaluation, candidate=generation.run),
            games_per_pair=self.config.games_per_pair,
            lineage=self.config.name,
        )
        promote(config, self.db, self.websocket_url, self.play)
