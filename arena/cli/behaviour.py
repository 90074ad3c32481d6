"""`arena behaviour`: what agents do in the situations that matter, with intervals."""

import math
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from arena.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    app,
    check_device,
    clean_errors,
    console,
    open_store,
    play_options,
)
from arena.errors import ArenaError
from arena.matchmaking.schedule import check_even
from arena.matchmaking.settings import PlaySettings
from arena.report.behaviour import (
    DEFAULT_BATTLES,
    ROW_COLUMNS,
    Profile,
    Row,
    profile,
    profile_of_id,
    rows,
)
from arena.report.export import write_csv, write_json
from arena.report.situations import LOSING_HP_SHARE
from arena.store.database import Store

NOTE = (
    f"clearly losing: fewer Pokémon standing than the opponent and at most "
    f"{LOSING_HP_SHARE:.0%} of its summed HP (unseen ones at full); rates with Wilson 95% "
    "intervals; differences from the first agent with Newcombe's, * where it excludes 0"
)


@app.command()
@clean_errors
@play_options(
    "tournament", "battle_format", "teams", "seed", "concurrency", "device", "temperature"
)
def behaviour(
    agents: Annotated[
        list[str],
        typer.Argument(
            metavar="AGENT",
            help="Agents as `arena leaderboard` names them (with --games: specs).",
            show_default=False,
        ),
    ],
    battles: Annotated[
        int, typer.Option(min=1, help="The latest stored battles of each agent to read.")
    ] = DEFAULT_BATTLES,
    tournament: Annotated[
        str | None,
        typer.Option(help="Only this tournament's or run's battles (default: any stored)."),
    ] = None,
    games: Annotated[
        int | None,
        typer.Option(help="Play this many games against each of --opponents first; even."),
    ] = None,
    opponents: Annotated[
        str | None, typer.Option(help="With --games: comma-separated names or import paths.")
    ] = None,
    csv: CsvOption = None,
    json: JsonOption = None,
    db: DbOption = None,
    *,
    play: PlaySettings,
):
    """How often each agent does what in the situations that matter, with intervals.

    Recovery when clearly losing, switching when outsped and in KO range, taking a KO,
    status and set-up moves, staying in a bad matchup, Explosion, fallbacks, invalid choices.

    Reads stored battles (read-only), or with --games plays them first. With two agents or
    more, each is set against the first. With --csv or --json the rows go there instead.
    """
    if (games is None) != (opponents is None):
        raise ArenaError("--games and --opponents go together")
    if games is not None:
        profiles = _played(agents, games, opponents, play, db)
    else:
        store = Store.open(db, readonly=True)
        ids = _tournament_ids(store, tournament)
        profiles = [profile(store, agent, battles, ids) for agent in agents]
    table = rows(profiles)
    if csv:
        write_csv(csv, table, ROW_COLUMNS)
    if json:
        write_json(json, table)
    if not (csv or json):
        console.print(_table(profiles, table))


def _tournament_ids(store: Store, name: str | None) -> list[int] | None:
    if name is None:
        return None
    found = store.tournament(name)
    if found is None:
        raise ArenaError(f"no stored tournament named {name!r}")
    return [found.id]


def _played(
    agents: list[str], games: int, opponents: str, play: PlaySettings, db: str | None
) -> list[Profile]:
    """Each agent's gauntlet against the opponents, played and stored, then profiled."""
    # here, not at the top: the tournament machinery is only needed to play
    from arena.cli.tournament import play_to_end
    from arena.matchmaking.setup import tournament_run
    from arena.matchmaking.tournament import TournamentConfig

    check_even(games, "--games")
    check_device(play.device)
    field = tuple(name.strip() for name in opponents.split(",") if name.strip())
    if not field:
        raise ArenaError("--opponents names no agent")
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    profiles = []
    for k, agent in enumerate(agents):
        config = TournamentConfig(
            name=f"behaviour-{stamp}-{k}",
            agents=(agent, *field),
            games_per_pair=games,
            mode="gauntlet",
            candidate=agent,
            play=play,
        )
        run = tournament_run(config, lambda: open_store(db))
        code = play_to_end(run, None)
        if code:
            raise typer.Exit(code)
        spec = next(iter(run.specs.values()))
        agent_id = run.store.agent_id(spec)
        label = run.store.agent_names()[agent_id]
        profiles.append(profile_of_id(run.store, agent_id, label, None, [run.tournament_id]))
    return profiles


def _table(profiles: list[Profile], table: list[Row]) -> Table:
    title = "; ".join(f"{p.agent}: {p.battles} battles, {p.decisions} decisions" for p in profiles)
    out = Table(title=title, title_justify="left", caption=NOTE, caption_justify="left")
    out.add_column("situation")
    out.add_column("behaviour")
    for p in profiles:
        out.add_column(p.agent, justify="right")
    for p in profiles[1:]:
        out.add_column(f"{p.agent} − {profiles[0].agent}", justify="right")
    n = len(table) // len(profiles)
    for i in range(n):
        cells = [table[k * n + i] for k in range(len(profiles))]
        out.add_row(
            cells[0].situation,
            cells[0].behaviour,
            *(_rate(c) for c in cells),
            *(_difference(c) for c in cells[1:]),
        )
    return out


def _rate(row: Row) -> str:
    if not row.n:
        return "— (0)"
    return f"{row.rate:.0%} ({row.low:.0%}–{row.high:.0%}) {row.count}/{row.n}"


def _difference(row: Row) -> str:
    if math.isnan(row.difference):
        return "—"
    mark = " *" if row.difference_low > 0 or row.difference_high < 0 else ""
    return f"{row.difference:+.0%} ({row.difference_low:+.0%}…{row.difference_high:+.0%}){mark}"
