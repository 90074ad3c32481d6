"""The Showdown runtime: start, health, status, stop, and clear errors."""

import socket

import pytest

from arena.errors import ArenaError
from arena.showdown import ShowdownServer, list_servers
from tests.conftest import run_arena, showdown_pids


def test_start_answers_and_stop_leaves_no_node_process():
    before = showdown_pids()
    server = ShowdownServer()
    info = server.start()
    tree = showdown_pids() - before
    assert info.pid in tree and len(tree) > 1  # the server and its worker processes
    assert any(s.port == info.port for s in list_servers())
    assert info.websocket_url == f"ws://127.0.0.1:{info.port}/showdown/websocket"
    with socket.create_connection(("127.0.0.1", info.port), timeout=2):
        pass
    server.stop()
    assert not (showdown_pids() & tree)
    assert all(s.port != info.port for s in list_servers())


def test_taken_port_is_a_clear_error(server):
    with pytest.raises(ArenaError, match=f"port {server.port} is already in use"):
        ShowdownServer(server.port).start()
    result = run_arena("server", "start", "--port", str(server.port))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"arena: port {server.port} is already in use: choose another with --port, "
        "or leave it out for a free one"
    ]


def test_cli_detached_server_status_and_stop():
    before = showdown_pids()
    started = run_arena("server", "start", "--detach")
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    port = int(url.split(":")[2].split("/")[0])
    status = run_arena("server", "status")
    assert url in status.stdout
    stopped = run_arena("server", "stop", "--port", str(port))
    assert stopped.returncode == 0, stopped.stderr
    assert not (showdown_pids() - before)
    assert url not in run_arena("server", "status").stdout


def test_status_with_unreadable_run_files_is_one_line(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("ARENA_HOME", str(not_a_folder))
    result = run_arena("server", "status")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: cannot read the servers' run files: ")


def test_missing_node_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no node here
    result = run_arena("server", "start")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "`node` is not on PATH" in lines[0]
    assert "arena setup" in lines[0]
