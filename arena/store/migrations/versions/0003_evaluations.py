"""Evaluations: a candidate's SPRT against an incumbent, stored with its verdict.

Its games live in a tournament of their own (`evaluation:NAME`); this table holds the
test's configuration, the pentanomial counts, the LLR after each pair and the report.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("tournament_id", sa.Integer(), sa.ForeignKey("tournament.id"), nullable=False),
        sa.Column("config", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=True),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("llr", sa.Float(), nullable=False),
        sa.Column("pentanomial", sa.String(), nullable=False),
        sa.Column("trajectory", sa.String(), nullable=False),
        sa.Column("report", sa.String(), nullable=True),
        # timezone-aware, as every other table's timestamps are on PostgreSQL
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_evaluation_name", "evaluation", ["name"], unique=True)
    op.create_index("ix_evaluation_tournament_id", "evaluation", ["tournament_id"])
