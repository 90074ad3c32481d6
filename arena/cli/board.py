"""`arena board`: a local PokéAgent-style ladder with baseline bots, and its standings."""

import asyncio
from typing import Annotated

import typer

from arena import aio
from arena.cli.common import (
    PLAY,
    CsvOption,
    DbOption,
    FormatOption,
    ServerOption,
    TeamsOption,
    app,
    clean_errors,
    console,
    errors,
    open_store,
)
from arena.cli.ladder import recorder, with_interrupts
from arena.cli.reports import ladder_table
from arena.errors import ArenaError
from arena.game.player import Account, close, spawn
from arena.game.teams import load_pool
from arena.ladder.board import ACCOUNT_PREFIX, SERVER, account, board_standings, default_pool
from arena.ladder.play import LadderSession
from arena.models.registry import check_game_type, resolve
from arena.report.export import STDOUT, write_csv
from arena.report.leaderboard import ELIGIBLE_GAMES, LADDER_COLUMNS
from arena.showdown.server import server_url
from arena.showdown.servers import resolve_server
from arena.store.database import Store
from arena.store.writer import StoreWriter


@app.command()
@clean_errors
def board(
    agents: Annotated[
        str, typer.Option(help="Comma-separated baseline bots to keep laddering.")
    ] = ",".join(default_pool()),
    battle_format: FormatOption = PLAY.format,
    games: Annotated[int, typer.Option(min=1, help="Games per baseline bot.")] = 1_000_000,
    server: ServerOption = None,
    teams: TeamsOption = None,
    min_games: Annotated[
        int, typer.Option(min=0, help="Rated games an account needs to be ranked.")
    ] = ELIGIBLE_GAMES,
    prefix: Annotated[
        str, typer.Option(help="Baseline accounts are PREFIX + agent (one board per prefix).")
    ] = ACCOUNT_PREFIX,
    show: Annotated[bool, typer.Option("--show", help="Print the board and play nothing.")] = False,
    csv: CsvOption = None,
    db: DbOption = None,
):
    """Keep baseline bots laddering on a local server (Ctrl-C stops), then print the board.

    Play your agent against them with `arena ladder AGENT --server local --username NAME`.
    """
    pool = tuple(name.strip() for name in agents.split(",") if name.strip())
    if not pool:
        raise ArenaError("--agents names no agent")
    store = open_store(db)
    if not show:
        specs = [resolve(name) for name in pool]
        info, teams_pool = load_pool(battle_format, teams)
        for spec in specs:
            check_game_type(spec, info, battle_format)
        url = resolve_server(server).websocket if server else None
        accounts = [account(name, prefix) for name in pool]
        aio.run(_keep_laddering(specs, accounts, url, battle_format, teams_pool, games, store))
    names = store.agent_names()
    kinds = {agent.id: (names[agent.id], agent.kind) for agent in store.agents()}
    battles = store.ladder_battles(SERVER)
    rows = board_standings(battles, kinds, battle_format, pool, prefix, min_games)
    if csv:
        write_csv(csv, rows, LADDER_COLUMNS)
    if csv != STDOUT:
        console.print(ladder_table(rows, f"local board, {battle_format}", min_games, False))


async def _keep_laddering(specs, accounts, url, battle_format, pool, games, store: Store):
    async with server_url(url) as websocket:
        console.print(f"local board on {websocket}", highlight=False, soft_wrap=True)
        writer = StoreWriter()
        players = await asyncio.gather(
            *(
                spawn(spec, websocket, battle_format, account=Account(name))
                for spec, name in zip(specs, accounts, strict=True)
            )
        )
        sessions = []
        for k, (spec, player) in enumerate(zip(specs, players, strict=True)):
            record = await recorder(
                store, writer, SERVER, battle_format, spec, player.username, games
            )
            sessions.append(
                LadderSession(player, spec.name, battle_format, pool, games, seed=k, on_game=record)
            )
        errors.print("baselines laddering: Ctrl-C stops after the games in flight")
        try:
            await with_interrupts(*sessions)
        finally:
            await asyncio.gather(*(close(p) for p in players))
            writer.close()
