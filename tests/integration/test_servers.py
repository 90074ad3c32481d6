"""`--server` means one thing in every command: local, local:PORT, a name or a ws:// URL."""

import pytest
import yaml

from arena import paths
from arena.errors import ArenaError
from arena.showdown import ShowdownServer
from arena.showdown.servers import resolve_server
from tests.conftest import link_install, run_arena, showdown_pids

FORMS = "use local, local:PORT, a name from config/servers.yaml or a ws:// or wss:// address"


@pytest.fixture
def own_run_dir(tmp_path, monkeypatch):
    """The shared Showdown install with run files of its own, so the only local servers
    are the ones a test starts (the session's server is not among them)."""
    home = link_install(tmp_path / "home")
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    return home


@pytest.fixture
def local_servers(own_run_dir):
    started = []

    def start() -> int:
        server = ShowdownServer()
        started.append(server)
        return server.start().port

    yield start
    for server in started:
        server.stop()


def test_no_local_server_is_one_line_before_anything_starts(own_run_dir):
    before = showdown_pids()
    result = run_arena("battle", "random", "random", "--games", "2", "--server", "local")
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines() == [
        "arena: no local server is running: start one with `arena server start --detach`"
    ]
    assert showdown_pids() == before


def test_local_is_the_running_local_server(local_servers):
    port = local_servers()
    result = run_arena("battle", "random", "max-power", "--games", "2", "--server", "local")
    assert result.returncode == 0, result.stderr
    assert "games 2" in result.stdout
    assert resolve_server("local").websocket == f"ws://127.0.0.1:{port}/showdown/websocket"


def test_several_local_servers_ask_for_a_port(local_servers):
    ports = sorted([local_servers(), local_servers()])
    with pytest.raises(ArenaError) as error:
        resolve_server("local")
    assert str(error.value) == (
        f"2 local servers are running (ports {ports[0]}, {ports[1]}): "
        "choose one with --server local:PORT"
    )
    chosen = resolve_server(f"local:{ports[1]}")
    assert chosen.websocket == f"ws://127.0.0.1:{ports[1]}/showdown/websocket"
    with pytest.raises(ArenaError, match="no local server is running on port 1:"):
        resolve_server("local:1")


def test_a_name_and_a_url_mean_the_same_server(server, tmp_path, monkeypatch):
    servers = tmp_path / "servers.yaml"
    servers.write_text(yaml.safe_dump({"mine": {"websocket": server.websocket_url}}))
    monkeypatch.setenv("ARENA_SERVERS", str(servers))
    assert resolve_server("mine").websocket == server.websocket_url
    bare = f"ws://127.0.0.1:{server.port}"
    assert resolve_server(bare).websocket == server.websocket_url
    assert resolve_server(server.websocket_url).websocket == server.websocket_url
    db = f"sqlite:///{tmp_path / 'named.db'}"
    for args in (
        ["battle", "random", "max-power", "--games", "2", "--server", bare],
        ["tournament", "--agents", "random,max-power", "--games-per-pair", "2", "--db", db],
    ):
        if "--server" not in args:
            args += ["--server", "mine"]
        played = run_arena(*args, "--format", "gen1randombattle")
        assert played.returncode == 0, played.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["battle", "random", "random", "--server", "127.0.0.1:8000"],
        ["tournament", "--agents", "random,max-power", "--server", "127.0.0.1:8000"],
        ["ladder", "random", "--username", "x", "--server", "127.0.0.1:8000"],
        ["sparring", "--agents", "random", "--server", "127.0.0.1:8000"],
    ],
)
def test_every_command_refuses_a_server_it_cannot_name_in_one_line(args, tmp_path):
    before = showdown_pids()
    result = run_arena(*args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: unknown server '127.0.0.1:8000': ")
    assert FORMS in lines[0]
    assert showdown_pids() == before
