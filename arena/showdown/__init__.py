"""The pinned Showdown server: its install, its lifecycle and its team validator."""

from arena.showdown.server import (
    ServerInfo,
    ShowdownServer,
    list_servers,
    running_server,
    server_url,
)

__all__ = ["ServerInfo", "ShowdownServer", "list_servers", "running_server", "server_url"]
