"""Named Showdown servers and their rules (`config/servers.yaml`).

A rule is checked before arena connects anywhere, so a username the server would
refuse, a format it does not offer or a search pace it forbids is one clear line, not
a ban or a silent failure. `local` means the server `arena server start` is running;
`$ARENA_SERVERS` may name a YAML file of more servers in the same form.
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


@dataclass(frozen=True)
class Server:
    name: str
    websocket: str
    login: str | None = None
    rules: Rules = field(default_factory=Rules)

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


def server_named(name: str) -> Server:
    """The named server, with `local` resolved to the running local server."""
    entries = _entries()
    if name not in entries:
        raise ArenaError(f"unknown server {name!r}: config/servers.yaml names {', '.join(entries)}")
    entry = entries[name]
    rules = entry.get("rules") or {}
    websocket = entry["websocket"]
    if websocket == "local":
        websocket = _local_websocket()
    return Server(
        name=name,
        websocket=websocket,
        login=entry.get("login"),
        rules=Rules(
            formats=tuple(rules["formats"]) if "formats" in rules else None,
            username_prefix=rules.get("username_prefix"),
            min_search_delay=float(rules.get("min_search_delay", 0)),
        ),
    )


def _local_websocket() -> str:
    running = list_servers()
    if not running:
        raise ArenaError("no local server is running: start one with `arena server start --detach`")
    return running[-1].websocket_url
