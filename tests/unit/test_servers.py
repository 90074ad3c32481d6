"""`--server`'s spelling: only a local server takes a port."""

import pytest

from arena.errors import ArenaError
from arena.showdown.servers import resolve_server


def test_only_a_local_server_takes_a_port():
    with pytest.raises(ArenaError, match=r"only a local server takes a port \(local:PORT\)"):
        resolve_server("pokeagent:8000")
