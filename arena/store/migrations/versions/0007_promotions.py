"""Promotions: a training run's epochs ranked, and its best tested against an incumbent.

The epochs' round robin is a tournament of its own and the test an evaluation of the
promotion's name; this table ties them to the run and records the chosen epoch, the
candidate's sha256 and the verdict.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "promotion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("run", sa.String(), nullable=False),
        sa.Column("config", sa.String(), nullable=False),
        sa.Column("incumbent", sa.String(), nullable=False),
        sa.Column("incumbent_sha256", sa.String(), nullable=True),
        sa.Column("tournament_id", sa.Integer(), sa.ForeignKey("tournament.id"), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=True),
        sa.Column("candidate", sa.String(), nullable=True),
        sa.Column("candidate_sha256", sa.String(), nullable=True),
        sa.Column("evaluation_id", sa.Integer(), sa.ForeignKey("evaluation.id"), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_promotion_name", "promotion", ["name"], unique=True)
