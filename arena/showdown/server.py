"""Starting, finding and stopping Showdown servers on loopback.

Each server runs in its own process group (Showdown forks worker processes), so
stopping one stops its whole tree. A JSON run file per port lets `arena server status`
and `arena server stop` find servers that another arena process started.

A server is ready once a websocket connection to it receives `|challstr|`. Showdown's
socket workers are Node `cluster` workers: the main process accepts every connection
and hands it over, so while it is still busy starting (seconds on a loaded machine) the
port answers now and then but websocket handshakes wait; an HTTP answer proves nothing.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from arena.errors import ArenaError
from arena.lifetime import die_with_parent, ties_to_parent
from arena.paths import run_dir
from arena.showdown.install import CONFIG_ENV, node_executable, require_install

LOOPBACK = "127.0.0.1"
BASE_SETTINGS = {
    "bindaddress": LOOPBACK,
    "loginserver": f"http://{LOOPBACK}:9/",
    "repl": False,
    "reportbattles": False,
    "reportjoins": False,
}
GREETING_WAIT = 5.0  # seconds one readiness probe waits before it tries again


@dataclass(frozen=True)
class ServerInfo:
    port: int
    pid: int
    log: str
    started_at: float

    @property
    def websocket_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.port}/showdown/websocket"

    @property
    def http_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _check_port_free(port: int) -> None:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            raise ArenaError(
                f"port {port} is already in use: choose another with --port, or leave it "
                "out for a free one"
            ) from None


class ShowdownServer:
    """One Showdown process tree on a loopback port."""

    def __init__(
        self,
        port: int | None = None,
        *,
        settings: dict | None = None,
        startup_timeout: float = 90.0,
        detach: bool = False,
        security: bool = False,
    ):
        """`security=True` leaves out Showdown's --no-security preset, so names need a
        login server's signed assertion (set `loginserverpublickey` in `settings`)."""
        self.port = port
        self.settings = {**BASE_SETTINGS, **(settings or {})}
        self.startup_timeout = startup_timeout
        self.detach = detach
        self.security = security
        self.info: ServerInfo | None = None
        self._process: subprocess.Popen | None = None

    def start(self) -> ServerInfo:
        """Starts the server and waits until it accepts logins. Unless detached, a
        server started from the main thread dies with this process (`die_with_parent`)."""
        self.launch()
        self.wait_until_ready()
        return self.info

    def launch(self) -> ServerInfo:
        """Starts the process without waiting for it: cheap enough for an event loop's
        thread (the main thread, so the server is tied to arena's life)."""
        root = require_install()
        node = node_executable()
        if self.port is None:
            self.port = free_port()
        else:
            _check_port_free(self.port)
        log_path = run_dir() / f"server-{self.port}.log"
        env = {**os.environ, CONFIG_ENV: json.dumps(self.settings)}
        flags = [] if self.security else ["--no-security"]
        command = [node, "pokemon-showdown", "start", *flags, "--skip-build", str(self.port)]
        with open(log_path, "wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=None if self.detach or not ties_to_parent() else die_with_parent,
            )
        self.info = ServerInfo(self.port, self._process.pid, str(log_path), time.time())
        _run_file(self.port).write_text(json.dumps(asdict(self.info)))
        return self.info

    def wait_until_ready(self) -> None:
        """Returns once the server greets a websocket login; stops it on failure."""
        try:
            self._wait_until_ready(Path(self.info.log))
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, log_path: Path) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while (left := deadline - time.monotonic()) > 0:
            if self._process.poll() is not None:
                raise ArenaError(
                    f"Showdown exited at start (code {self._process.returncode}); "
                    f"log tail: {_tail(log_path)}",
                    exit_code=1,
                )
            if _greets(self.info.websocket_url, min(left, GREETING_WAIT)):
                return
            time.sleep(0.2)
        raise ArenaError(
            f"Showdown did not answer on port {self.port} within {self.startup_timeout:.0f}s; "
            f"log tail: {_tail(log_path)}",
            exit_code=1,
        )

    def stop(self) -> None:
        if self.info is not None:
            stop_server(self.info, self._process)


def _run_file(port: int) -> Path:
    return run_dir() / f"server-{port}.json"


def _greets(websocket_url: str, timeout: float) -> bool:
    """Whether a websocket connection receives the `|challstr|` a login starts from,
    within `timeout` seconds: then the main process has finished starting."""
    deadline = time.monotonic() + timeout
    try:
        with connect(websocket_url, open_timeout=timeout, max_size=None) as websocket:
            while (left := deadline - time.monotonic()) > 0:
                if "|challstr|" in str(websocket.recv(timeout=left)):
                    return True
    except (OSError, TimeoutError, WebSocketException):
        return False
    return False


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_server(info: ServerInfo, child: subprocess.Popen | None = None, grace: float = 5.0):
    """Stops the server's whole process group: TERM, then KILL after `grace` seconds.

    `child` is the server's process when this process started it: it is reaped here,
    or its zombie would keep the group looking alive.
    """
    pgid = info.pid  # started with start_new_session, so its pid leads its group
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while _group_alive(pgid) and time.monotonic() < deadline:
            if child is not None:
                child.poll()
            time.sleep(0.05)
        if not _group_alive(pgid):
            break
    _run_file(info.port).unlink(missing_ok=True)


def _is_showdown(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _group_alive(pid)
    return b"pokemon-showdown" in cmdline


def list_servers() -> list[ServerInfo]:
    """Running servers that arena started; run files of dead ones are removed."""
    servers = []
    for path in sorted(run_dir().glob("server-*.json")):
        try:
            info = ServerInfo(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            path.unlink(missing_ok=True)
            continue
        if _is_showdown(info.pid):
            servers.append(info)
        else:
            path.unlink(missing_ok=True)
    return servers


@contextlib.asynccontextmanager
async def running_server(port: int | None = None, **options) -> AsyncIterator[ServerInfo]:
    """A server for the duration of a command, always stopped afterwards."""
    server = ShowdownServer(port, **options)
    server.launch()  # from the loop's thread, the main one, so it dies with arena
    try:
        await asyncio.to_thread(server.wait_until_ready)
        yield server.info
    finally:
        await asyncio.to_thread(server.stop)


@contextlib.asynccontextmanager
async def server_url(url: str | None, **options) -> AsyncIterator[str]:
    """`url` when one is given, else the address of a server started for the duration."""
    if url:
        yield url
        return
    async with running_server(**options) as info:
        yield info.websocket_url
