"""Ladder play on real local servers: matchmaking, ratings, interruption, logins."""

import asyncio
import csv
import secrets
import signal
import time

import pytest
import pytest_asyncio
import yaml

from arena.errors import ArenaError
from arena.game.player import Account, close, spawn
from arena.ladder.play import ConnectionLost, LadderSession
from arena.models.registry import resolve
from arena.showdown import ShowdownServer
from arena.showdown.login import LoginRefused
from arena.store.database import Store
from arena.store.tables import decode_choices
from tests.conftest import run_arena, start_arena
from tests.login_server import LoginServer, password_of


def unique(name: str) -> str:
    """Showdown keeps local ladder ratings between runs: fresh names start level."""
    return f"{name}{secrets.token_hex(3)}"


@pytest.fixture
def servers_file(tmp_path, server, monkeypatch):
    """A `test` server entry pointing at the session's server, and one with rules."""
    path = tmp_path / "servers.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "test": {"websocket": server.websocket_url},
                "strict": {
                    "websocket": server.websocket_url,
                    "rules": {"username_prefix": "PAC-", "formats": ["gen1ou"]},
                },
            }
        )
    )
    monkeypatch.setenv("ARENA_SERVERS", str(path))
    return path


def _ladder_process(db, username, games, agent="max-power"):
    return start_arena(
        "ladder",
        agent,
        "--server",
        "test",
        "--username",
        username,
        "--games",
        str(games),
        "--db",
        db,
        "--format",
        "gen1ou",
    )


def test_two_agents_ladder_against_each_other(servers_file, tmp_path):
    db = f"sqlite:///{tmp_path / 'ladder.db'}"
    # two games each: Showdown matches only close ratings at first, and after two wins
    # the gap between these two could already keep a third search waiting for minutes
    first = _ladder_process(db, unique("one"), 2, "gym-leader")
    second = _ladder_process(db, unique("two"), 2, "random")
    for process in (first, second):
        _, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, stderr
    battles = Store.open(db).ladder_battles("test")
    assert len(battles) == 4  # each side records its own view of the 2 games
    unrated = [(b.battle_tag, b.end_reason) for b in battles if b.rating_after is None]
    assert not unrated and all(b.rating_before is not None for b in battles)
    # the server's table, read after each game, agrees with its rating message; the
    # local ladder shows Elo only
    assert all(b.server_elo == b.rating_after for b in battles)
    assert all(b.server_gxe is None and b.server_glicko is None for b in battles)
    assert len({b.battle_tag for b in battles}) == 2
    for listed in battles:  # arena's side has its decisions recorded; the opponent's: none
        battle = Store.open(db).battle(listed.id)
        sides = [decode_choices(battle.p1_choices), decode_choices(battle.p2_choices)]
        recorded = [choices for choices in sides if choices is not None]
        assert len(recorded) == 1
        assert len(recorded[0]) == battle.p1_decisions + battle.p2_decisions > 0
    board = run_arena(
        "leaderboard",
        "--ladder",
        "--server",
        "test",
        "--db",
        db,
        "--csv",
        str(tmp_path / "ladder.csv"),
    )
    assert board.returncode == 0, board.stderr
    rows = list(csv.DictReader((tmp_path / "ladder.csv").read_text().splitlines()))
    assert len(rows) == 2 and all(row["rated_games"] == "2" for row in rows)
    assert all(row["eligible"] == "False" for row in rows)  # 2 games, far from 250


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_finishes_the_game_and_starts_no_other(
    servers_file, tmp_path, server, stop, code
):
    db_path = tmp_path / "int.db"
    sparring = start_arena(
        "sparring",
        "--agents",
        "random",
        "--server",
        server.websocket_url,
        "--format",
        "gen1ou",
    )
    try:
        process = _ladder_process(f"sqlite:///{db_path}", unique("stop"), 50, "random")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _ladder_games(db_path):
            time.sleep(0.1)
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        sparring.send_signal(signal.SIGINT)
        sparring.wait(timeout=60)
    assert process.returncode == code, stderr
    started = int(stdout.strip().splitlines()[-1].split()[0])
    assert 1 <= started < 50
    assert _ladder_games(db_path) == started  # every game it started finished and was saved


def _ladder_games(db_path) -> int:
    if not db_path.exists():
        return 0
    try:
        return len(Store.open(f"sqlite:///{db_path}").ladder_battles())
    except Exception:
        return 0


def test_a_second_ladder_under_the_same_name_is_named(servers_file, server, tmp_path):
    """The first keeps searching (nobody else is on the ladder); the second is refused
    with the server's own words, and the first goes on untouched."""
    name = unique("twin")
    first = _ladder_process(f"sqlite:///{tmp_path / 'a.db'}", name, 1)
    try:
        asyncio.run(_until_online(server.websocket_url, name))
        second = run_arena(
            "ladder", "random", "--server", "test", "--username", name,
            "--db", f"sqlite:///{tmp_path / 'b.db'}",
        )  # fmt: skip
        lines = second.stderr.strip().splitlines()
        assert second.returncode == 1 and len(lines) == 1, second.stderr
        assert f'Someone is already using the name "{name}"' in lines[0]
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)


async def _until_online(websocket_url: str, name: str) -> None:
    """Asks the server, as a guest, until `name` is online."""
    watcher = await spawn(resolve("random"), websocket_url, "gen1ou")
    try:
        deadline = time.monotonic() + 60
        while (await watcher.query("userdetails", name))["rooms"] is False:
            assert time.monotonic() < deadline, f"{name} never came online"
            await asyncio.sleep(0.2)
    finally:
        await close(watcher)


BAD = {
    "unknown server": (["--server", "nowhere", "--username", "x"], "unknown server 'nowhere'"),
    "username rule": (
        ["--server", "strict", "--username", "bob"],
        "usernames starting with 'PAC-'",
    ),
    "format not offered": (
        ["--server", "pokeagent", "--username", "x", "--format", "gen5ou"],
        "does not offer gen5ou",
    ),
    "search pace": (
        ["--server", "pokeagent", "--username", "x", "--search-delay", "1"],
        "--search-delay of at least 5s",
    ),
    # the extended-timer format is offered (the pace is the first rule it breaks)
    "extended timer, search pace": (
        ["--server", "pokeagent", "--username", "x", "--format", "gen1oulongtimer"]
        + ["--search-delay", "1"],
        "--search-delay of at least 5s",
    ),
    "doubles for a singles agent": (
        ["--server", "test", "--username", "x", "--format", "gen9randomdoublesbattle"],
        "gym-leader plays singles only and gen9randomdoublesbattle is a doubles format",
    ),
    # refused for what it is, before a team pool is asked for
    "doubles with teams for a singles agent": (
        ["--server", "pokeagent", "--username", "x", "--format", "gen9vgc2025regi"],
        "gym-leader plays singles only and gen9vgc2025regi is a doubles format",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_ladder_input(case, servers_file, tmp_path):
    args, expected = BAD[case]
    agent = "gym-leader" if "doubles" in case else "random"  # poke-env's bots play both
    db = tmp_path / "never.db"
    result = run_arena("ladder", agent, *args, "--db", f"sqlite:///{db}")
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert not db.exists()


@pytest_asyncio.fixture(loop_scope="function")  # the login server serves the test's own loop
async def secured():
    """A login server with a fresh key pair, and a Showdown server that trusts only it."""
    login = LoginServer()
    await login.start()
    showdown = ShowdownServer(
        security=True,
        settings={"loginserverpublickey": login.public_pem, "nothrottle": True, "noipchecks": True},
    )
    info = await asyncio.to_thread(showdown.start)
    yield login, info
    await asyncio.to_thread(showdown.stop)
    await login.stop()


def _collect(games: list):
    async def collect(game) -> None:
        games.append(game)

    return collect


def _signed_in(info, login, agent: str, username: str, secret: str):
    account = Account(username, secret, login.url)
    return spawn(resolve(agent), info.websocket_url, "gen1randombattle", account=account)


async def test_right_password_logs_in_and_plays(secured):
    login, info = secured
    names = unique("alice"), unique("bob")
    alice = await _signed_in(info, login, "max-power", names[0], password_of(names[0]))
    bob = await _signed_in(info, login, "random", names[1], password_of(names[1]))
    games = []
    sessions = [
        LadderSession(p, p.username, "gen1randombattle", None, 1, on_game=_collect(games))
        for p in (alice, bob)
    ]
    await asyncio.wait_for(asyncio.gather(*(s.run() for s in sessions)), 120)
    await asyncio.gather(close(alice), close(bob))
    assert len(games) == 2 and {g.opponent for g in games} == set(names)
    assert all(g.rating_after is not None for g in games)


async def test_wrong_password_is_refused_clearly(secured):
    login, info = secured
    name = unique("alice")
    with pytest.raises(LoginRefused, match=f"login refused for {name}: The password you entered"):
        await _signed_in(info, login, "random", name, "wrong")


async def test_a_second_login_under_a_registered_name_is_refused(secured):
    login, info = secured
    name = unique("alice")
    first = await _signed_in(info, login, "random", name, password_of(name))
    try:
        with pytest.raises(LoginRefused, match=f"{name} is already online on this server"):
            await _signed_in(info, login, "random", name, password_of(name))
        assert first.ps_client.logged_in.is_set() and not first.disconnected().done()
    finally:
        await close(first)


async def test_forged_assertion_is_refused_by_the_server(secured):
    login, info = secured
    name = unique("mallory")
    with pytest.raises(LoginRefused, match="signature was invalid"):
        await _signed_in(info, login, "random", name, password_of(name))


async def test_unreachable_login_server(secured):
    _, info = secured
    with pytest.raises(ArenaError, match="is unreachable"):
        await spawn(
            resolve("random"),
            info.websocket_url,
            "gen1ou",
            account=Account("alice", password_of("alice"), "http://127.0.0.1:1/action.php?"),
        )


async def test_connection_lost_mid_game_is_recorded_as_abandoned(gen1_random_server):
    showdown, info = gen1_random_server
    games = []
    players = [
        await spawn(resolve(agent), info.websocket_url, "gen1randombattle")
        for agent in ("tests.user_bots:SleepyPlayer", "random")
    ]
    sessions = [
        LadderSession(p, p.username, "gen1randombattle", None, 5, on_game=_collect(games))
        for p in players
    ]
    running = asyncio.gather(*(s.run() for s in sessions), return_exceptions=True)
    while not all(s._in_flight for s in sessions):  # the sleeper keeps its game going
        await asyncio.sleep(0.05)
    await asyncio.to_thread(showdown.stop)
    outcomes = await asyncio.wait_for(running, 60)
    assert all(isinstance(o, ConnectionLost) for o in outcomes)
    abandoned = [g for g in games if g.record.end_reason.startswith("abandoned")]
    assert abandoned and all(g.record.winner is None for g in abandoned)
    await asyncio.gather(*(close(p) for p in players))


@pytest_asyncio.fixture(loop_scope="function")
async def gen1_random_server():
    showdown = ShowdownServer()
    info = await asyncio.to_thread(showdown.start)
    yield showdown, info
    await asyncio.to_thread(showdown.stop)
