"""The server's ladder standing with each ladder game.

After a rated game arena reads the account's row of the server's ladder table: Elo, and
where the server shows them Glicko-1 with its deviation, GXE and Skill Rating. Games
stored before this revision have none (NULL), as have games on a server without a table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

COLUMNS = ("server_elo", "server_glicko", "server_glicko_deviation", "server_gxe", "server_skill")


def upgrade() -> None:
    with op.batch_alter_table("battle") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
