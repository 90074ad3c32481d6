"""Agents built from arena's own bots name them where they now live.

arena's `models` package installs as `arena.models` (the bots under
`arena.models.heuristics`), so a stored spec such as `models.grunt:GruntPlayer` is
rewritten to the module's current path (and the agent's name with it where the name was
the spec), and the agent's identity, which hashes the spec, is computed again: a resumed
tournament finds the same agents it started with.
"""

import sqlalchemy as sa
from alembic import op

from arena.models.registry import current_path, identity_key

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    connection = op.get_bind()
    agents = connection.execute(
        sa.text("SELECT id, name, kind, spec, checkpoint_sha256, settings FROM agent")
    ).fetchall()
    for agent_id, name, kind, spec, sha256, settings in agents:
        moved = current_path(spec)
        if moved == spec:
            continue
        connection.execute(
            sa.text("UPDATE agent SET name = :name, spec = :spec, identity = :key WHERE id = :id"),
            {
                "name": moved if name == spec else name,
                "spec": moved,
                "key": identity_key(kind, moved, sha256, settings),
                "id": agent_id,
            },
        )
