"""Named Showdown servers and their rules (`config/servers.yaml`).

A rule is checked before arena connects anywhere, so a username the server would
refuse, a format it does not offer or a search pace it forbids is one clear line, not
a ban or a silent failure. `$ARENA_SERVERS` may name a YAML file of more servers in the
same form. `resolve_server` gives `--server` its one meaning in every command: `local`
(the server `arena server start --detach` runs; `local:PORT` picks one of several), a
name from these files, or a ws:// or wss:// address.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from arena.config import CONFIG_DIR
from arena.errors import ArenaError
from arena.showdown import list_servers


@dataclass(frozen=True)
class Rules:
    formats: tuple[str, ...] | None = None
    username_prefix: str | None = None
    min_search_delay: float = 0.0
    same_rules: dict[str, str] = field(default_factory=dict)  # format -> the one it plays as


@dataclass(frozen=True)
class Server:
    name: str
    websocket: str
    login: str | None = None
    rules: Rules = field(default_factory=Rules)

    def rules_format(self, battle_format: str) -> str:
        """The format whose rules and teams `battle_format` plays with here: itself, or
        the one a server-only variant (an extended timer) copies."""
        return self.rules.same_rules.get(battle_format, battle_format)

    def check(self, username: str, battle_format: str, search_delay: float) -> None:
        """Raises ArenaError naming the first rule this ladder session would break."""
        rules = self.rules
        if rules.username_prefix and not username.startswith(rules.username_prefix):
            raise ArenaError(
                f"server {self.name} requires usernames starting with "
                f"{rules.username_prefix!r}: {username!r} does not"
            )
        if rules.formats is not None and battle_format not in rules.formats:
            raise ArenaError(
                f"server {self.name} does not offer {battle_format} "
                f"(it offers {', '.join(rules.formats)})"
            )
        if search_delay < rules.min_search_delay:
            raise ArenaError(
                f"server {self.name} requires --search-delay of at least "
                f"{rules.min_search_delay:g}s, got {search_delay:g}s"
            )


def _entries() -> dict:
    """The shipped servers, then the user's own from the YAML file `$ARENA_SERVERS`."""
    entries = yaml.safe_load((CONFIG_DIR / "servers.yaml").read_text()) or {}
    extra = os.environ.get("ARENA_SERVERS")
    if extra:
        try:
            entries |= yaml.safe_load(Path(extra).read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ArenaError(f"cannot read $ARENA_SERVERS ({extra}): {error}") from None
    return entries


SERVER_FORMS = "local, local:PORT, a name from config/servers.yaml or a ws:// or wss:// address"


def resolve_server(value: str) -> Server:
    """The server `--server VALUE` means, checked before anything starts."""
    if value.startswith(("ws://", "wss://")):
        return Server(name=value, websocket=_with_websocket_path(value))
    name, colon, port = value.partition(":")
    entries = _entries()
    if name not in entries:
        raise ArenaError(f"unknown server {value!r}: use {SERVER_FORMS} ({', '.join(entries)})")
    entry = entries[name]
    websocket = entry["websocket"]
    if colon and (websocket != "local" or not port.isdigit()):
        raise ArenaError(f"bad server {value!r}: only a local server takes a port (local:PORT)")
    if websocket == "local":
        websocket = _local_websocket(int(port) if colon else None)
    rules = entry.get("rules") or {}
    return Server(
        name=name,
        websocket=websocket,
        login=entry.get("login"),
        rules=Rules(
            formats=tuple(rules["formats"]) if "formats" in rules else None,
            username_prefix=rules.get("username_prefix"),
            min_search_delay=float(rules.get("min_search_delay", 0)),
            same_rules=dict(rules.get("same_rules") or {}),
        ),
    )


def _with_websocket_path(url: str) -> str:
    """A bare `ws://host:port` reaches Showdown at its websocket path."""
    if url.rstrip("/").endswith("/showdown/websocket"):
        return url
    return url.rstrip("/") + "/showdown/websocket"


def _local_websocket(port: int | None) -> str:
    """The one running local server, or the one on `port`; several is a question back."""
    running = list_servers()
    if port is not None:
        for info in running:
            if info.port == port:
                return info.websocket_url
        raise ArenaError(
            f"no local server is running on port {port}: `arena server status` lists them"
        )
    if not running:
        raise ArenaError("no local server is running: start one with `arena server start --detach`")
    if len(running) > 1:
        ports = ", ".join(str(info.port) for info in running)
        raise ArenaError(
            f"{len(running)} local servers are running (ports {ports}): "
            "choose one with --server local:PORT"
        )
    return running[0].websocket_url
