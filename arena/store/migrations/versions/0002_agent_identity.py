"""Agents keyed by identity, not name; ladder games keep the account they played under.

`agent.identity` hashes kind, spec, checkpoint sha256 and the play-changing settings
(`agent.settings`, JSON); `agent.name` stops being unique. A ladder opponent's spec
becomes its `server:username`, so one name on two servers stays two opponents. A
checkpoint's temperature is taken from the first tournament it played in (0 when none
says). `battle.username` is read from arena's side of each ladder game's log.
"""

import json
import re
import zlib

import sqlalchemy as sa
from alembic import op

from arena.models.registry import identity_key

revision = "0002"
down_revision = "0001"

LADDER_OPPONENT = "ladder-opponent"


def upgrade() -> None:
    op.add_column("agent", sa.Column("settings", sa.String(), nullable=False, server_default="{}"))
    op.add_column("agent", sa.Column("identity", sa.String(), nullable=True))
    op.add_column("battle", sa.Column("username", sa.String(), nullable=True))
    connection = op.get_bind()
    temperatures = _first_temperatures(connection)
    agents = connection.execute(
        sa.text("SELECT id, name, kind, spec, checkpoint_sha256 FROM agent")
    )
    kinds = {}
    for agent_id, name, kind, spec, sha256 in agents.fetchall():
        kinds[agent_id] = kind
        if kind == LADDER_OPPONENT:
            spec = name
        settings = "{}"
        if kind == "checkpoint":
            settings = json.dumps({"temperature": temperatures.get(agent_id, 0.0)})
        connection.execute(
            sa.text(
                "UPDATE agent SET spec = :spec, settings = :settings, identity = :key "
                "WHERE id = :id"
            ),
            {
                "spec": spec,
                "settings": settings,
                "id": agent_id,
                "key": identity_key(kind, spec, sha256, settings),
            },
        )
    _ladder_usernames(connection, kinds)
    with op.batch_alter_table("agent") as batch:
        batch.alter_column("identity", existing_type=sa.String(), nullable=False)
        batch.drop_index("ix_agent_name")
        batch.create_index("ix_agent_name", ["name"], unique=False)
        batch.create_index("ix_agent_identity", ["identity"], unique=True)


def _first_temperatures(connection) -> dict[int, float]:
    """Each agent's temperature in the first tournament it played in."""
    rows = connection.execute(
        sa.text(
            "SELECT b.p1_agent_id, b.p2_agent_id, t.config FROM battle b "
            "JOIN tournament t ON t.id = b.tournament_id ORDER BY b.id"
        )
    )
    found: dict[int, float] = {}
    for p1, p2, config in rows:
        temperature = float(json.loads(config).get("temperature", 0.0))
        for agent_id in (p1, p2):
            found.setdefault(agent_id, temperature)
    return found


def _ladder_usernames(connection, kinds: dict[int, str]) -> None:
    rows = connection.execute(
        sa.text("SELECT id, p1_agent_id, p1_log, p2_log FROM battle WHERE ladder IS NOT NULL")
    )
    for battle_id, p1_agent, p1_log, p2_log in rows.fetchall():
        side = "p2" if kinds[p1_agent] == LADDER_OPPONENT else "p1"
        log = zlib.decompress(p1_log if side == "p1" else p2_log).decode()
        match = re.search(rf"^\|player\|{side}\|([^|]+)\|", log, re.MULTILINE)
        if match:
            connection.execute(
                sa.text("UPDATE battle SET username = :name WHERE id = :id"),
                {"name": match[1], "id": battle_id},
            )
