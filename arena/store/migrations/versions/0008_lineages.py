"""Lineages and their generations: the champion of each line, and the stage each
generation of the loop (self-play, data, training, promotion) has reached.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "lineage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("config", sa.String(), nullable=False),
        sa.Column("champion", sa.String(), nullable=False),
        sa.Column("champion_sha256", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_lineage_name", "lineage", ["name"], unique=True)
    op.create_table(
        "generation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lineage_id", sa.Integer(), sa.ForeignKey("lineage.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("parent", sa.String(), nullable=False),
        sa.Column("parent_sha256", sa.String(), nullable=True),
        sa.Column("selfplay", sa.String(), nullable=True),
        sa.Column("data", sa.String(), nullable=True),
        sa.Column("run", sa.String(), nullable=True),
        sa.Column("promotion_id", sa.Integer(), sa.ForeignKey("promotion.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("lineage_id", "number"),
    )
    op.create_index("ix_generation_lineage_id", "generation", ["lineage_id"])
