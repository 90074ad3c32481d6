"""`arena battle`: two agents, N games, the score."""

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from arena import aio
from arena.cli.common import (
    ConcurrencyOption,
    DeviceOption,
    FormatOption,
    SeedOption,
    ServerOption,
    TeamsOption,
    TemperatureOption,
    TransportOption,
    app,
    check_device,
    clean_errors,
    console,
    play_on,
    server_option,
)
from arena.config import defaults
from arena.game.teams import load_pool
from arena.game.transport import check_transport
from arena.matchmaking.match import MatchResult, play_match
from arena.matchmaking.schedule import check_even
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import check_game_type, resolve

BATTLE = defaults()["battle"]
PLAY = PlaySettings.defaults("battle")


@app.command()
@clean_errors
def battle(
    agent_a: Annotated[str, typer.Argument(help="Agent name, checkpoint or pkg.module:Class.")],
    agent_b: Annotated[str, typer.Argument(help="Agent name, checkpoint or pkg.module:Class.")],
    battle_format: FormatOption = PLAY.format,
    games: Annotated[int, typer.Option(help="Games to play; even (side-swapped pairs).")] = BATTLE[
        "games"
    ],
    concurrency: ConcurrencyOption = PLAY.concurrency,
    teams: TeamsOption = None,
    seed: SeedOption = PLAY.seed,
    server: ServerOption = None,
    device: DeviceOption = PLAY.device,
    temperature: TemperatureOption = PLAY.temperature,
    transport: TransportOption = None,
):
    """Play GAMES games between two agents and print the score."""
    check_device(device)
    specs = resolve(agent_a, device, temperature), resolve(agent_b, device, temperature)
    check_even(games, "--games")
    check_transport(transport, server)
    info, pool = load_pool(battle_format, teams)
    for spec in specs:
        check_game_type(spec, info, battle_format)
    entry = server_option(server)
    where = (transport, entry)
    result = aio.run(_battle(specs, battle_format, pool, games, concurrency, seed, where))
    _print_match(result)


async def _battle(specs, battle_format, pool, games, concurrency, seed, where) -> MatchResult:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.2f} battles/s"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("starting", total=games, rate=0.0)
        clock = time.perf_counter()

        def on_game(_record):
            progress.update(
                task,
                advance=1,
                description="playing",
                rate=progress.tasks[0].completed / (time.perf_counter() - clock),
            )

        async def play(transport) -> MatchResult:
            return await play_match(
                *specs,
                transport=transport,
                battle_format=battle_format,
                pool=pool,
                games=games,
                concurrency=concurrency,
                seed=seed,
                on_game=on_game,
            )

        async with play_on(*where) as transport:
            return await play(transport)


def _print_match(result: MatchResult) -> None:
    wins_a, wins_b, ties = result.score()
    table = Table(title=f"{result.names[0]} vs {result.names[1]}")
    for column in ("agent", "wins", "losses", "ties", "invalid", "errors", "timeouts"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for name, wins, losses in (
        (result.names[0], wins_a, wins_b),
        (result.names[1], wins_b, wins_a),
    ):
        seats = [s for g in result.games for s in g.seats if s.agent == name]
        faults = [sum(getattr(s.log, f) for s in seats) for f in ("invalid", "errors", "timeouts")]
        table.add_row(name, str(wins), str(losses), str(ties), *map(str, faults))
    console.print(table)
    console.print(
        f"games {len(result.games)}  mean turns {result.mean_turns:.1f}  "
        f"{result.battles_per_second:.2f} battles/s"
    )
