"""`arena ladder` and `arena sparring`: ranked games on a public or a local ladder."""

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from arena import aio
from arena.cli.common import (
    DeviceOption,
    TemperatureOption,
    app,
    clean_errors,
    console,
    errors,
    websocket_url,
)
from arena.errors import ArenaError
from arena.ladder import LadderGame, LadderSession
from arena.login import password
from arena.player import Account, close, spawn
from arena.servers import Server, server_named
from arena.store import Store
from arena.teams import load_pool
from models.registry import AgentSpec, resolve

INTERRUPTED = 130


@app.command()
@clean_errors
def ladder(
    agent: Annotated[str, typer.Argument(help="Agent name, checkpoint or pkg.module:Class.")],
    server: Annotated[str, typer.Option(help="A server named in config/servers.yaml.")],
    username: Annotated[str, typer.Option(help="The name to ladder under.")],
    battle_format: Annotated[str, typer.Option("--format")] = "gen1ou",
    games: Annotated[int, typer.Option(min=1, help="Games to play.")] = 10,
    password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the password.")
    ] = None,
    teams: Annotated[Path | None, typer.Option(help="Team pool directory.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Games in flight at once.")] = 1,
    search_delay: Annotated[
        float | None, typer.Option(min=0, help="Seconds between searches.")
    ] = None,
    timer: Annotated[bool, typer.Option("--timer/--no-timer", help="Turn the timer on.")] = True,
    db: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default ./arena.db).")] = None,
    seed: Annotated[int, typer.Option(help="Seeds the team choice.")] = 0,
    device: DeviceOption = "cpu",
    temperature: TemperatureOption = 0.0,
):
    """Play GAMES ranked games and record each with the rating the server reports."""
    entry = server_named(server)
    delay = entry.rules.min_search_delay if search_delay is None else search_delay
    entry.check(username, battle_format, delay)
    spec = resolve(agent, device, temperature)
    _, pool = load_pool(battle_format, teams)
    if password_env and not entry.login:
        raise ArenaError(f"server {entry.name} has no login server: leave out --password-env")
    secret = password(password_env, username) if entry.login else None
    store = Store.open(db)
    account = Account(username, secret, entry.login)
    session = aio.run(
        _ladder(
            entry, spec, account, battle_format, pool, games, concurrency, delay, timer, seed, store
        )
    )
    console.print(f"{session.started} games started on {entry.name}")
    if session.stop.is_set():
        raise typer.Exit(INTERRUPTED)


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
) -> LadderSession:
    player = await spawn(spec, entry.websocket, battle_format, account=account)
    player._start_timer_on_battle_start = timer
    my_id = store.agent_id(spec)
    score = {"won": 0, "lost": 0, "tied": 0}

    def record(game: LadderGame) -> None:
        opponent_id = store.ladder_opponent_id(entry.name, game.opponent)
        store.record_battle(
            None,
            f"ladder {entry.name} {battle_format}",
            0,
            battle_format,
            game.record,
            {spec.name: my_id, game.opponent: opponent_id},
            ladder=entry.name,
            rating=(game.rating_before, game.rating_after),
            username=account.username,
        )
        outcome = {True: "won", False: "lost", None: "tied"}[game.won]
        score[outcome] += 1
        rating = f", rating {game.rating_after:.0f}" if game.rating_after is not None else ""
        console.print(
            f"game {sum(score.values())}/{games}: {outcome} against {game.opponent} "
            f"(W {score['won']} L {score['lost']} T {score['tied']}{rating})",
            highlight=False,
        )

    session = LadderSession(
        player, spec.name, battle_format, pool, games, concurrency, delay, seed, record
    )
    try:
        await _with_interrupts(session)
    finally:
        await close(player)
    return session


async def _with_interrupts(*sessions: LadderSession) -> None:
    """First Ctrl-C: no new searches, games in flight finish. Second: forfeit them."""
    loop = asyncio.get_running_loop()
    interrupts = 0

    def on_interrupt() -> None:
        nonlocal interrupts
        interrupts += 1
        for session in sessions:
            session.stop.set()
        if interrupts == 1:
            errors.print(
                "stopping: no new searches, finishing the games in flight "
                "(Ctrl-C again to forfeit them)"
            )
        else:
            for session in sessions:
                loop.create_task(session.forfeit_all())

    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    try:
        await asyncio.gather(*(session.run() for session in sessions))
    finally:
        loop.remove_signal_handler(signal.SIGINT)


@app.command()
@clean_errors
def sparring(
    agents: Annotated[str, typer.Option(help="Comma-separated agents to keep searching.")],
    server: Annotated[str, typer.Option(help="A server name or address.")] = "local",
    battle_format: Annotated[str, typer.Option("--format")] = "gen1ou",
    games: Annotated[int, typer.Option(min=1, help="Games per agent.")] = 1_000_000,
    teams: Annotated[Path | None, typer.Option(help="Team pool directory.")] = None,
):
    """Keep bots searching on a ladder so another agent has opponents (Ctrl-C stops)."""
    url = websocket_url(server) if ":" in server else server_named(server).websocket
    specs = [resolve(name.strip()) for name in agents.split(",") if name.strip()]
    if not specs:
        raise ArenaError("--agents names no agent")
    _, pool = load_pool(battle_format, teams)
    aio.run(_spar(specs, url, battle_format, pool, games))


async def _spar(specs, url, battle_format, pool, games) -> None:
    players = await asyncio.gather(*(spawn(spec, url, battle_format) for spec in specs))
    sessions = [
        LadderSession(player, spec.name, battle_format, pool, games, seed=k)
        for k, (spec, player) in enumerate(zip(specs, players, strict=True))
    ]
    console.print(f"sparring on {url}: {', '.join(p.username for p in players)}", highlight=False)
    try:
        await _with_interrupts(*sessions)
    finally:
        await asyncio.gather(*(close(p) for p in players))
