"""Imported Showdown replays: one row per replay, naming its battle, keyed by the replay
site's id so a replay imported twice is refused."""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "replay",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("battle_id", sa.Integer(), sa.ForeignKey("battle.id"), nullable=False),
        sa.Column("replay_id", sa.String(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_replay_battle_id", "replay", ["battle_id"], unique=True)
    op.create_index("ix_replay_replay_id", "replay", ["replay_id"], unique=True)
