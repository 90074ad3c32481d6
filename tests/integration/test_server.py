"""The Showdown runtime: start, health, status, stop, and clear errors."""

import os
import signal
import socket
import threading
import time

import pytest

from arena import aio
from arena.errors import ArenaError
from arena.game.transport import ServerTransport
from arena.matchmaking.runner import players_for
from arena.matchmaking.settings import PlaySettings
from arena.models.registry import HEURISTICS, resolve
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


async def _log_in_all(url: str, count: int) -> list[bool]:
    """`count` players logging in at once, as a tournament's field does."""
    specs = {f"{name}-{k}": resolve(name) for k in range(2) for name in HEURISTICS}
    specs = dict(list(specs.items())[:count])
    async with players_for(
        specs, ServerTransport(url), PlaySettings.defaults(format="gen1randombattle", concurrency=1)
    ) as players:
        return [player.ps_client.logged_in.is_set() for player in players.values()]


def test_a_fresh_server_takes_many_logins_at_once():
    """start() returns only once the server greets logins; before, a fresh server
    answered HTTP while its main process, which accepts every websocket, still started."""
    server = ShowdownServer()
    info = server.start()
    try:
        assert aio.run(_log_in_all(info.websocket_url, 8)) == [True] * 8
    finally:
        server.stop()


def test_logins_wait_out_a_main_process_busier_than_the_handshake_default(server):
    """Showdown's main process accepts each connection for its socket workers; while it
    is busy (a loaded machine), handshakes wait. Longer than poke-env's 10 s default,
    players still log in once it resumes instead of reporting an unreachable server."""
    os.kill(server.pid, signal.SIGSTOP)
    resume = threading.Timer(12, os.kill, (server.pid, signal.SIGCONT))
    resume.start()
    try:
        assert aio.run(_log_in_all(server.websocket_url, 5)) == [True] * 5
    finally:
        resume.cancel()
        os.kill(server.pid, signal.SIGCONT)


def test_a_server_started_from_a_finished_thread_keeps_serving():
    """The parent-death signal follows the thread that forked the server, so a server
    started from a helper thread must not be tied to it."""
    server = ShowdownServer()
    started = []
    thread = threading.Thread(target=lambda: started.append(server.start()))
    thread.start()
    thread.join()
    try:
        time.sleep(1)  # the signal would have arrived at once
        assert aio.run(_log_in_all(started[0].websocket_url, 2)) == [True] * 2
    finally:
        server.stop()
