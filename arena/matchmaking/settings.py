"""How games are played, whichever command schedules them: one settings object.

A tournament, a self-play run, an evaluation, `arena battle`, a training run's gauntlets
and a lineage's loop all play through the runner with these settings; a run that is
stored keeps them in its config, so a resumed run plays as it began. Their defaults live
in one place, the `play` section of `config/arena.yaml`, which a command's own section
may override (`arena battle` plays fewer games at once); the library, the CLI and the
YAML read them from there alone.
"""

from dataclasses import dataclass, fields
from typing import Any, Self

from arena.config import defaults


@dataclass(frozen=True)
class PlaySettings:
    format: str
    teams: str | None  # a team pool directory; None: the format's shipped pool
    concurrency: int  # battles in flight at once
    seed: int  # seeds the team choice and every battle's simulator and agents
    decision_timeout: float  # seconds per decision before the default move is sent
    max_failures: int  # failed decisions in one battle before the agent forfeits it
    battle_time_limit: float  # seconds before a battle is ended without a winner
    device: str  # where checkpoints run
    temperature: float  # checkpoints sample at it (0: greedy)
    transport: str  # direct (simulator hosts) or server

    @classmethod
    def defaults(cls, command: str | None = None, **changes: Any) -> Self:
        """The YAML's defaults (for `command`, where its section sets one of them), with
        `changes`."""
        shipped = defaults()
        own = shipped.get(command, {}) if command else {}
        values = {f.name: own.get(f.name, shipped["play"][f.name]) for f in fields(cls)}
        return cls(**{**values, **changes})

    @classmethod
    def of(cls, stored: dict) -> Self:
        """The settings a stored config holds; one stored before a setting existed gets
        that setting's default."""
        return cls.defaults(**{f.name: stored[f.name] for f in fields(cls) if f.name in stored})
