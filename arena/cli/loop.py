"""`arena loop`: generations of self-play, data, training and promotion, resumable."""

from typing import Annotated

import typer

from arena.cli.common import (
    PLAY,
    ConcurrencyOption,
    DbOption,
    DeviceOption,
    FormatOption,
    SeedOption,
    ServerOption,
    app,
    check_device,
    clean_errors,
    console,
    log_beside,
    resumable,
    server_option,
)
from arena.cli.evaluate import (
    DEFAULTS,
    AlphaOption,
    BetaOption,
    Elo0Option,
    Elo1Option,
    MaxPairsOption,
    opponent_list,
)
from arena.cli.lineage import lineage_table
from arena.cli.promote import GamesPerPairOption, play_live
from arena.config import defaults


@app.command("loop")
@clean_errors
def loop_command(
    init: Annotated[str, typer.Option(help="The first champion: base or a checkpoint.")] = "base",
    generations: Annotated[
        int, typer.Option(help="Generations the lineage should have; a rerun may raise it.")
    ] = 1,
    selfplay_games: Annotated[
        int, typer.Option(help="Self-play games, and games against each opponent; even.")
    ] = defaults()["selfplay"]["games"],
    opponents: Annotated[
        str | None,
        typer.Option(help="Comma-separated pool for self-play and the gate's gauntlet."),
    ] = None,
    temperature: Annotated[
        float, typer.Option(min=0.0, help="The champion samples its self-play moves at this.")
    ] = 1.0,
    reward: Annotated[
        str, typer.Option(help="default, aggressive, binary, term=weight,... or pkg.module:fn.")
    ] = "default",
    algo: Annotated[str, typer.Option(help="bc or offline-ac.")] = "offline-ac",
    teacher: Annotated[
        str | None,
        typer.Option(
            help="Label every self-play decision with this agent's choice (a search agent: "
            "its visit distribution) and train the policy towards it: expert iteration."
        ),
    ] = None,
    teacher_weight: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="With --teacher: the share of the policy's loss that is the teacher's.",
        ),
    ] = 1.0,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs per generation.")] = 5,
    steps_per_epoch: Annotated[int, typer.Option(min=1, help="Gradient steps per epoch.")] = 1000,
    batch: Annotated[int, typer.Option(min=1, help="Decisions per gradient step.")] = 128,
    games_per_pair: GamesPerPairOption = 4,
    elo0: Elo0Option = DEFAULTS["elo0"],
    elo1: Elo1Option = DEFAULTS["elo1"],
    alpha: AlphaOption = DEFAULTS["alpha"],
    beta: BetaOption = DEFAULTS["beta"],
    max_pairs: MaxPairsOption = DEFAULTS["max_pairs"],
    name: Annotated[str, typer.Option(help="The lineage's name; rerun with it to resume.")] = (
        "loop"
    ),
    runs: Annotated[str, typer.Option(help="Runs and data go to RUNS/NAME.")] = "runs",
    battle_format: FormatOption = PLAY.format,
    seed: SeedOption = PLAY.seed,
    concurrency: ConcurrencyOption = PLAY.concurrency,
    db: DbOption = None,
    server: ServerOption = None,
    device: DeviceOption = PLAY.device,
):
    """Run a lineage's generations: self-play, data, training, promotion.

    Each generation: the champion's self-play and pool games, an incremental data build,
    training from the champion, the promotion gate. A killed loop resumes where it was.
    """
    from arena.training.learn.gauntlet import DEFAULT_OPPONENTS
    from arena.training.lineage.loop import Loop, LoopConfig
    from arena.training.lineage.report import lineage_rows

    config = LoopConfig(
        name=name,
        init=init,
        generations=generations,
        selfplay_games=selfplay_games,
        opponents=opponent_list(opponents) or DEFAULT_OPPONENTS,
        temperature=temperature,
        reward=reward,
        algo=algo,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        batch=batch,
        games_per_pair=games_per_pair,
        elo0=elo0,
        elo1=elo1,
        alpha=alpha,
        beta=beta,
        max_pairs=max_pairs,
        format=battle_format,
        seed=seed,
        runs=runs,
        teacher=teacher,
        teacher_weight=teacher_weight,
        concurrency=concurrency,
        device=check_device(device),
    )
    entry = server_option(server)

    def on_stage(generation, stage: str) -> None:
        console.print(f"{name} generation {generation.number}: {stage}", highlight=False)

    loop = Loop(config, db, entry.websocket if entry else None, on_stage, play_live)
    log_beside(db)
    with resumable("arena loop"):
        loop.run()
    console.print(lineage_table(lineage_rows(loop.store, name)))
