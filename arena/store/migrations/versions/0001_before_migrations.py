"""The schema of every store made before migrations (commit 6c24063), exactly."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("spec", sa.String(), nullable=False),
        sa.Column("checkpoint_sha256", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agent_name", "agent", ["name"], unique=True)
    op.create_table(
        "tournament",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("config", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tournament_name", "tournament", ["name"], unique=True)
    op.create_table(
        "battle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tournament_id", sa.Integer(), nullable=True),
        sa.Column("pairing", sa.String(), nullable=False),
        sa.Column("pair_index", sa.Integer(), nullable=False),
        sa.Column("game", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("battle_tag", sa.String(), nullable=False),
        sa.Column("p1_agent_id", sa.Integer(), nullable=False),
        sa.Column("p2_agent_id", sa.Integer(), nullable=False),
        sa.Column("p1_team", sa.String(), nullable=True),
        sa.Column("p2_team", sa.String(), nullable=True),
        sa.Column("winner", sa.Integer(), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("end_reason", sa.String(), nullable=False),
        *(
            sa.Column(f"{side}_{counter}", sa.Integer(), nullable=False)
            for side in ("p1", "p2")
            for counter in ("decisions", "invalid", "timeouts", "errors")
        ),
        sa.Column("p1_log", sa.LargeBinary(), nullable=False),
        sa.Column("p2_log", sa.LargeBinary(), nullable=False),
        sa.Column("ladder", sa.String(), nullable=True),
        sa.Column("rating_before", sa.Float(), nullable=True),
        sa.Column("rating_after", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tournament_id", "pairing", "pair_index", "game"),
        sa.ForeignKeyConstraint(["tournament_id"], ["tournament.id"]),
        sa.ForeignKeyConstraint(["p1_agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["p2_agent_id"], ["agent.id"]),
    )
    op.create_index("ix_battle_tournament_id", "battle", ["tournament_id"])
    op.create_index("ix_battle_ladder", "battle", ["ladder"])
    op.create_table(
        "ratingsnapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tournament_id", sa.Integer(), nullable=False),
        sa.Column("battles", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.String(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["tournament_id"], ["tournament.id"]),
    )
    op.create_index("ix_ratingsnapshot_tournament_id", "ratingsnapshot", ["tournament_id"])
