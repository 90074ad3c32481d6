"""The local board on a real local server: three baselines and one user agent."""

import csv
import secrets
import signal
from collections import Counter

from arena.ladder.board import PUBLIC_RATINGS
from arena.rating.glicko import glicko
from arena.rating.ratings import bradley_terry
from arena.rating.stats import Outcome
from arena.report.leaderboard import anchored
from arena.store.database import Store
from tests.conftest import run_arena, start_arena

POOL = ("random", "max-power", "gym-leader")


def test_board_pairs_a_user_agent_with_the_baselines_and_rates_every_game_once(server, tmp_path):
    db = f"sqlite:///{tmp_path / 'board.db'}"
    prefix = f"b{secrets.token_hex(2)}-"  # Showdown keeps local ratings: fresh accounts
    user = f"user{secrets.token_hex(3)}"
    where = f"local:{server.port}"
    board = start_arena(
        "board", "--agents", ",".join(POOL), "--server", where, "--prefix", prefix,
        "--db", db, "--csv", str(tmp_path / "board.csv"),
    )  # fmt: skip
    try:
        ladder = run_arena(
            "ladder", "grunt", "--server", where, "--username", user, "--games", "2",
            "--db", db, timeout=300,
        )  # fmt: skip
        assert ladder.returncode == 0, ladder.stderr
    finally:
        board.send_signal(signal.SIGINT)
        _, stderr = board.communicate(timeout=120)
    assert board.returncode == 0, stderr  # Ctrl-C is how a board ends: then it prints
    store = Store.open(db)
    battles = store.ladder_battles("local")
    accounts = {f"{prefix}{name}"[:18] for name in POOL}
    mine = [b for b in battles if b.username == user]
    assert len(mine) == 2  # the matchmaker paired the user's agent with baselines
    names = store.agent_names()
    met = {_account(names[i], user) for b in mine for i in (b.p1_agent_id, b.p2_agent_id)}
    assert met - {user} <= accounts
    # every game arena played is stored once per side arena played, each with the
    # standing the server reported
    sides = Counter(b.battle_tag for b in battles)
    assert all(count == 2 for count in sides.values()), sides
    assert all(b.rating_after is not None and b.server_elo == b.rating_after for b in battles)
    # the board's FH-BT is the ratings module's fit of the same games, anchored
    games = {}
    for b in battles:
        p1, p2 = (_account(names[i], b.username) for i in (b.p1_agent_id, b.p2_agent_id))
        games[b.battle_tag] = Outcome(
            p1, p2, 0.5 if b.winner is None else 1.0 - b.winner, b.battle_tag
        )
    fit = bradley_terry(list(games.values()), anchor=None)
    public = PUBLIC_RATINGS["gen1ou"]
    expected = anchored(
        fit, {f"{prefix}{name}"[:18]: public[name] for name in POOL if name in public}
    )
    rows = list(csv.DictReader((tmp_path / "board.csv").read_text().splitlines()))
    board_bt = {row["username"]: float(row["fh_bt"]) for row in rows}
    assert board_bt.keys() == expected.keys() == accounts | {user}
    for name, rating in expected.items():
        assert abs(board_bt[name] - rating.elo) < 1e-6
    # the local server shows Elo only: Glicko-1 and GXE are arena's, games in finish order
    ratings = glicko(list(games.values()))
    for row in rows:
        mine = ratings[row["username"]]
        assert abs(float(row["glicko"]) - mine.rating) < 1e-6
        assert abs(float(row["gxe"]) - mine.gxe) < 1e-6
    assert {row["username"]: int(row["rated_games"]) for row in rows}[user] == 2
    assert all(row["eligible"] == "False" for row in rows)


def _account(agent: str, username: str) -> str:
    """Each side's ladder account: an opponent's row is `local:NAME`, arena's is its own."""
    return agent.split(":", 1)[1] if agent.startswith("local:") else username
