"""`arena ladder` and `arena sparring`: ranked games on a public or a local ladder."""

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer

from arena import aio
from arena.cli.common import (
    PLAY,
    DbOption,
    DeviceOption,
    FormatOption,
    SeedOption,
    TeamsOption,
    TemperatureOption,
    app,
    check_device,
    clean_errors,
    console,
    errors,
    open_store,
)
from arena.errors import ArenaError
from arena.game.player import Account, close, spawn
from arena.game.teams import load_pool
from arena.ladder.play import LadderGame, LadderSession
from arena.models.registry import AgentSpec, check_game_type, resolve
from arena.showdown import validator
from arena.showdown.login import password
from arena.showdown.servers import SERVER_FORMS, Server, resolve_server
from arena.store.database import Store
from arena.store.writer import StoreWriter

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@app.command()
@clean_errors
def ladder(
    agent: Annotated[str, typer.Argument(help="Agent name, checkpoint or pkg.module:Class.")],
    server: Annotated[str, typer.Option(help=f"The server to ladder on: {SERVER_FORMS}.")],
    username: Annotated[str, typer.Option(help="The name to ladder under.")],
    battle_format: FormatOption = PLAY.format,
    games: Annotated[int, typer.Option(min=1, help="Games to play.")] = 10,
    password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the password.")
    ] = None,
    teams: TeamsOption = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Games in flight at once.")] = 1,
    search_delay: Annotated[
        float | None, typer.Option(min=0, help="Seconds between searches.")
    ] = None,
    timer: Annotated[bool, typer.Option("--timer/--no-timer", help="Turn the timer on.")] = True,
    db: DbOption = None,
    seed: SeedOption = 0,
    device: DeviceOption = PLAY.device,
    temperature: TemperatureOption = PLAY.temperature,
):
    """Play GAMES ranked games and record each with the rating the server reports."""
    check_device(device)
    entry = resolve_server(server)
    delay = entry.rules.min_search_delay if search_delay is None else search_delay
    entry.check(username, battle_format, delay)
    spec = resolve(agent, device, temperature)
    rules_format = entry.rules_format(battle_format)
    check_game_type(spec, validator.check(rules_format, [])[0], battle_format)  # teams later
    _, pool = load_pool(rules_format, teams)
    if password_env and not entry.login:
        raise ArenaError(f"server {entry.name} has no login server: leave out --password-env")
    secret = password(password_env, username) if entry.login else None
    store = open_store(db)
    account = Account(username, secret, entry.login)
    session, code = aio.run(
        _ladder(
            entry, spec, account, battle_format, pool, games, concurrency, delay, timer, seed, store
        )
    )
    console.print(f"{session.started} games started on {entry.name}")
    if code:
        raise typer.Exit(code)


async def _ladder(
    entry: Server,
    spec: AgentSpec,
    account: Account,
    battle_format,
    pool,
    games,
    concurrency,
    delay,
    timer,
    seed,
    store: Store,
) -> tuple[LadderSession, int]:
    player = await spawn(spec, entry.websocket, battle_format, account=account)
    player._start_timer_on_battle_start = timer
    writer = StoreWriter()
    record = await recorder(store, writer, entry.name, battle_format, spec, account.username, games)
    session = LadderSession(
        player, spec.name, battle_format, pool, games, concurrency, delay, seed, record
    )
    try:
        code = await with_interrupts(session)
    finally:
        await close(player)
        writer.close()
    return session, code


async def recorder(
    store: Store,
    writer: StoreWriter,
    server: str,
    battle_format: str,
    spec: AgentSpec,
    username: str,
    games: int,
) -> Callable[[LadderGame], Awaitable[None]]:
    """Stores each ladder game of `spec` under `username` as it ends, and prints it."""
    my_id = await writer.call(store.agent_id, spec)
    score = {"won": 0, "lost": 0, "tied": 0}

    async def record(game: LadderGame) -> None:
        opponent_id = await writer.call(store.ladder_opponent_id, server, game.opponent)
        await writer.call(
            store.record_battle,
            None,
            f"ladder {server} {battle_format}",
            0,
            battle_format,
            game.record,
            {spec.name: my_id, game.opponent: opponent_id},
            ladder=server,
            rating=(game.rating_before, game.rating_after),
            username=username,
            standing=game.standing,
        )
        outcome = {True: "won", False: "lost", None: "tied"}[game.won]
        score[outcome] += 1
        rating = f", rating {game.rating_after:.0f}" if game.rating_after is not None else ""
        console.print(
            f"{username} game {sum(score.values())}/{games}: {outcome} against {game.opponent} "
            f"(W {score['won']} L {score['lost']} T {score['tied']}{rating})",
            highlight=False,
        )

    return record


async def with_interrupts(*sessions: LadderSession) -> int:
    """First Ctrl-C (or SIGTERM): no new searches, games in flight finish. Second:
    forfeit them. Returns the exit code: 128 plus the first signal's number, or 0."""
    loop = asyncio.get_running_loop()
    received: list[signal.Signals] = []

    def on_interrupt(number: signal.Signals) -> None:
        received.append(number)
        for session in sessions:
            session.stop.set()
        if len(received) == 1:
            errors.print(
                "stopping: no new searches, finishing the games in flight "
                "(Ctrl-C again to forfeit them)"
            )
        else:
            for session in sessions:
                loop.create_task(session.forfeit_all())

    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, on_interrupt, number)
    try:
        await asyncio.gather(*(session.run() for session in sessions))
    finally:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
    return 128 + received[0] if received else 0


@app.command()
@clean_errors
def sparring(
    agents: Annotated[str, typer.Option(help="Comma-separated agents to keep searching.")],
    server: Annotated[str, typer.Option(help=f"The server to spar on: {SERVER_FORMS}.")] = "local",
    battle_format: FormatOption = PLAY.format,
    games: Annotated[int, typer.Option(min=1, help="Games per agent.")] = 1_000_000,
    teams: TeamsOption = None,
):
    """Keep bots searching on a ladder so another agent has opponents (Ctrl-C stops)."""
    url = resolve_server(server).websocket
    specs = [resolve(name.strip()) for name in agents.split(",") if name.strip()]
    if not specs:
        raise ArenaError("--agents names no agent")
    info, pool = load_pool(battle_format, teams)
    for spec in specs:
        check_game_type(spec, info, battle_format)
    aio.run(_spar(specs, url, battle_format, pool, games))


async def _spar(specs, url, battle_format, pool, games) -> None:
    players = await asyncio.gather(*(spawn(spec, url, battle_format) for spec in specs))
    sessions = [
        LadderSession(player, spec.name, battle_format, pool, games, seed=k)
        for k, (spec, player) in enumerate(zip(specs, players, strict=True))
    ]
    console.print(f"sparring on {url}: {', '.join(p.username for p in players)}", highlight=False)
    try:
        await with_interrupts(*sessions)
    finally:
        await asyncio.gather(*(close(p) for p in players))
