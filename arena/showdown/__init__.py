"""The pinned Showdown: its install, its servers' lifecycle, its team validator and the
simulator hosts arena runs battles on directly."""

from arena.showdown.server import (
    ServerInfo,
    ShowdownServer,
    list_servers,
    running_server,
    server_url,
)

__all__ = ["ServerInfo", "ShowdownServer", "list_servers", "running_server", "server_url"]
