"""Reports from the store: `arena leaderboard`, `matrix`, `battles` and `replay`."""

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from arena import aio
from arena.cli.common import CsvOption, JsonOption, app, clean_errors, console
from arena.errors import ArenaError
from arena.kinds import TournamentKind
from arena.matchmaking.rerun import rerun as rerun_battle
from arena.rating.ratings import interval_text, reference_note
from arena.report.export import STDOUT, write_csv, write_json, write_markdown
from arena.report.leaderboard import (
    COLUMNS,
    ELIGIBLE_GAMES,
    LADDER_COLUMNS,
    LadderStanding,
    ladder_standings,
    stored_standings,
)
from arena.report.matrix import MATRIX_COLUMNS, stored_matrix
from arena.report.narration import narrate
from arena.store.database import Store
from arena.store.tables import decompress_log

DbOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default ./arena.db).")]
TournamentOption = Annotated[
    str | None,
    typer.Option("--tournament", help="Tournament or self-play run (default: latest tournament)."),
]


def _tournament_ids(store: Store, name: str | None, everything: bool = False) -> list[int] | None:
    if everything:
        return None
    if name is not None:
        tournament = store.tournament(name)
        if tournament is None:
            raise ArenaError(f"no stored tournament named {name!r}")
        return [tournament.id]
    tournaments = [t for t in store.tournaments() if t.kind == TournamentKind.TOURNAMENT]
    if not tournaments:  # self-play runs are shown only when named
        raise ArenaError("the store holds no tournament yet: run `arena tournament` first")
    return [tournaments[-1].id]


def print_leaderboard(
    store: Store, tournament_ids: list[int] | None, csv_path: Path | None = None
) -> None:
    """The leaderboard as a table, and as CSV when asked (in its place for `-`)."""
    rows = stored_standings(store, tournament_ids)
    if csv_path == STDOUT:
        write_csv(csv_path, rows, COLUMNS)
        return
    note = reference_note([r.agent for r in rows if not math.isnan(r.bt_elo)])
    table = Table(title=f"leaderboard, ranked by Bradley–Terry Elo ({note})", title_justify="left")
    headers = (
        "#",
        "agent",
        "games",
        "W-L-T",
        "time limit",
        "win rate (95% CI)",
        "BT Elo (95% CI)",
        "TrueSkill μ-3σ",
        "turns",
        "invalid",
        "timeouts",
        "errors",
    )
    for header in headers:
        table.add_column(header, justify="left" if header == "agent" else "right")
    for r in rows:
        table.add_row(
            str(r.rank),
            r.agent,
            str(r.games),
            f"{r.wins}-{r.losses}-{r.ties}",
            str(r.time_limited),
            f"{r.win_rate:.1%} ({r.win_rate_low:.1%}–{r.win_rate_high:.1%})",
            f"{r.bt_elo:.0f} ({interval_text(r.bt_elo_low, r.bt_elo_high)})",
            f"{r.trueskill_conservative:.2f}",
            f"{r.mean_turns:.1f}",
            f"{r.invalid_rate:.2%}",
            str(r.timeouts),
            str(r.errors),
        )
    console.print(table)
    if csv_path:
        write_csv(csv_path, rows, COLUMNS)
        console.print(f"wrote {csv_path}")


@app.command()
@clean_errors
def leaderboard(
    tournament: TournamentOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Every stored battle.")] = False,
    csv: CsvOption = None,
    json: JsonOption = None,
    as_markdown: Annotated[
        Path | None,
        typer.Option(
            "--markdown", metavar="FILE|-", help="Write Markdown to FILE (- for standard output)."
        ),
    ] = None,
    ladder: Annotated[bool, typer.Option("--ladder", help="Ladder games instead.")] = False,
    server: Annotated[str | None, typer.Option(help="With --ladder: one server only.")] = None,
    min_games: Annotated[
        int, typer.Option(min=0, help="With --ladder: rated games an account needs to rank.")
    ] = ELIGIBLE_GAMES,
    db: DbOption = None,
):
    """Standings ranked by Bradley–Terry Elo (95% intervals); TrueSkill, win rates, faults.

    With --csv, --json or --markdown the table is written there instead of printed.
    """
    store = Store.open(db, readonly=True)
    if ladder:
        names = store.agent_names()
        kinds = {agent.id: (names[agent.id], agent.kind) for agent in store.agents()}
        rows = ladder_standings(store.ladder_battles(server), kinds, min_games)
        columns = LADDER_COLUMNS
        if not (csv or json or as_markdown):
            console.print(ladder_table(rows, "ladder", min_games))
            return
    else:
        ids = _tournament_ids(store, tournament, everything)
        if not (csv or json or as_markdown):
            print_leaderboard(store, ids)
            return
        rows, columns = stored_standings(store, ids), COLUMNS
    if csv:
        write_csv(csv, rows, columns)
    if json:
        write_json(json, rows)
    if as_markdown:
        write_markdown(as_markdown, rows, columns)


def ladder_table(
    rows: list[LadderStanding], title: str, min_games: int, trajectory: bool = True
) -> Table:
    """The server's numbers beside arena's full-history Bradley–Terry, as the PokéAgent
    board shows them (Skill Rating first, Elo for reference, Glicko-1 and GXE)."""
    table = Table(
        "server", "account", "agent", "games", "W-L-T", "FH-BT (95%)",
        f"eligible (≥{min_games})", "Skill", "Elo", "Glicko-1", "GXE",
        *(["trajectory"] if trajectory else []),
        title=title, title_justify="left", caption=GLICKO_NOTE, caption_justify="left",
    )  # fmt: skip
    for r in rows:
        table.add_row(
            r.server,
            r.username or "—",
            r.agent,
            str(r.games),
            f"{r.wins}-{r.losses}-{r.ties}",
            "—"
            if math.isnan(r.fh_bt)
            else f"{r.fh_bt:.0f} ({interval_text(r.fh_bt_low, r.fh_bt_high)})",
            f"yes ({r.rated_games})" if r.eligible else f"no ({r.rated_games})",
            _number(r.server_skill),
            _number(r.server_elo if r.server_elo is not None else r.rating_last),
            _glicko(r),
            _gxe(r),
            *([r.trajectory] if trajectory else []),
        )
    return table


GLICKO_NOTE = (
    "Glicko-1 and GXE: the server's where it shows them, else (marked *) arena's own over "
    "the stored games, each game a rating period"
)


def _glicko(r: LadderStanding) -> str:
    if r.server_glicko is not None:
        deviation = r.server_glicko_deviation
        return f"{r.server_glicko:.0f}" + ("" if deviation is None else f" ± {deviation:.0f}")
    if math.isnan(r.glicko):
        return "—"
    return f"{r.glicko:.0f} ± {r.glicko_deviation:.0f} *"


def _gxe(r: LadderStanding) -> str:
    if r.server_gxe is not None:
        return f"{r.server_gxe:.1f}%"
    return "—" if math.isnan(r.gxe) else f"{r.gxe:.1f}% *"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


@app.command()
@clean_errors
def matrix(
    tournament: TournamentOption = None,
    csv: CsvOption = None,
    db: DbOption = None,
):
    """Pairwise win rates with Wilson 95% intervals (row agent against column agent).

    With --csv the matrix is written there instead of printed.
    """
    store = Store.open(db, readonly=True)
    rows = stored_matrix(store, _tournament_ids(store, tournament))
    if csv:
        write_csv(csv, rows, MATRIX_COLUMNS)
        return
    agents = sorted({r.agent for r in rows})
    table = Table("agent \\ opponent", *agents)
    cells = {(r.agent, r.opponent): r for r in rows}
    for agent in agents:
        table.add_row(agent, *(_cell(cells.get((agent, other))) for other in agents))
    console.print(table)


def _cell(row) -> str:
    if row is None:
        return "—"
    return f"{row.win_rate:.0%} ({row.low:.0%}–{row.high:.0%}) n={row.games}"


@app.command()
@clean_errors
def battles(
    tournament: TournamentOption = None,
    ladder: Annotated[bool, typer.Option("--ladder", help="Ladder games instead.")] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Every stored battle, ladder games included.")
    ] = False,
    db: DbOption = None,
):
    """List a tournament's battles (or ladder games, or all) in the order they finished."""
    store = Store.open(db, readonly=True)
    names = store.agent_names()
    if everything:
        rows = store.all_battles()
    elif ladder or (tournament is None and not store.tournaments()):
        rows = store.ladder_battles()
    else:
        rows = store.battles(_tournament_ids(store, tournament))
    table = Table("id", "pairing", "pair", "game", "p1", "p2", "winner", "turns", "end")
    for b in rows:
        p1, p2 = names[b.p1_agent_id], names[b.p2_agent_id]
        winner = "—" if b.winner is None else (p1, p2)[b.winner]
        table.add_row(
            str(b.id),
            b.pairing,
            str(b.pair_index),
            str(b.game),
            p1,
            p2,
            winner,
            str(b.turns),
            b.end_reason,
        )
    console.print(table)


@app.command()
@clean_errors
def replay(
    battle_id: Annotated[int, typer.Argument(help="Battle id from `arena battles`.")],
    side: Annotated[
        str | None,
        typer.Option(help="Whose view: p1 or p2 (default: the side that was recorded)."),
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="The protocol log as received.")] = False,
    db: DbOption = None,
    rerun: Annotated[
        bool, typer.Option("--rerun", help="Play it again (same seed, teams, agents) and compare.")
    ] = False,
):
    """Tell one battle turn by turn: moves, damage, switches, status, faints, winner."""
    if rerun:
        result = aio.run(rerun_battle(Store.open(db, readonly=True), battle_id))
        typer.echo(result.summary())
        raise typer.Exit(0 if result.matches else 1)
    if side not in (None, "p1", "p2"):
        raise ArenaError(f"--side must be p1 or p2, got {side!r}")
    battle = Store.open(db, readonly=True).battle(battle_id)
    if battle is None:
        raise ArenaError(f"no stored battle with id {battle_id}")
    logs = {"p1": decompress_log(battle.p1_log), "p2": decompress_log(battle.p2_log)}
    recorded = [name for name, log in logs.items() if log.strip()]
    if not recorded:
        raise ArenaError(f"battle {battle_id} has no recorded log")
    side = side or recorded[0]
    if side not in recorded:
        raise ArenaError(
            f"battle {battle_id} has no {side} log: only {recorded[0]}'s view was recorded "
            f"(a ladder game keeps arena's side only); use --side {recorded[0]}"
        )
    typer.echo(logs[side] if raw else "\n".join(narrate(logs[side])))
