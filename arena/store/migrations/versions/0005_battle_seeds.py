"""Battle seeds: the simulator seed a battle played on arena's own hosts was run with.

NULL for battles played on a server (it draws its own seed and does not tell it) and for
every battle stored before this revision; `arena replay --rerun` needs it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("battle") as batch:
        batch.add_column(sa.Column("seed", sa.String(), nullable=True))
