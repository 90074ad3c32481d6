"""Decision records and tournament kinds.

Each battle keeps both sides' decision records (`p1_choices`, `p2_choices`: compressed
JSON, NULL where nothing was recorded, as in every battle stored before this revision).
A tournament has a kind: `tournament`, or `selfplay` for `arena selfplay` runs; every
tournament stored before this revision was a regular one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("tournament") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(), nullable=False, server_default="tournament")
        )
    with op.batch_alter_table("battle") as batch:
        batch.add_column(sa.Column("p1_choices", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("p2_choices", sa.LargeBinary(), nullable=True))
