"""Labels for agents in reports: the readable name, told apart only where it must be.

Agents are keyed by identity (kind, spec, checkpoint sha256, settings), so one name can
belong to several rows: a checkpoint retrained in place, or sampled at two temperatures.
Such rows get what tells them apart appended (`run1/epoch_4@1a2b3c`, `…@1a2b3c,T0.5`),
and the identity's own prefix should that still not suffice; a name held by one agent is
shown as it is.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol


class _AgentRow(Protocol):
    id: int
    name: str
    checkpoint_sha256: str | None
    settings: str
    identity: str


def labels(agents: Iterable[_AgentRow]) -> dict[int, str]:
    """Agent id to a label no other agent in `agents` has."""
    by_name: dict[str, list[_AgentRow]] = defaultdict(list)
    for agent in agents:
        by_name[agent.name].append(agent)
    result = {}
    for name, group in by_name.items():
        if len(group) == 1:
            result[group[0].id] = name
            continue
        tried = {agent.id: f"{name}@{_distinction(agent)}" for agent in group}
        if len(set(tried.values())) < len(group):
            tried = {agent.id: f"{name}@{agent.identity[:6]}" for agent in group}
        result |= tried
    return result


def _distinction(agent: _AgentRow) -> str:
    parts = [agent.checkpoint_sha256[:6]] if agent.checkpoint_sha256 else []
    temperature = json.loads(agent.settings).get("temperature")
    if temperature:
        parts.append(f"T{temperature:g}")
    return ",".join(parts) or agent.identity[:6]
