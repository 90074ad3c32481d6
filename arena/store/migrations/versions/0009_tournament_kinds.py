"""Tournament kinds in the `kind` column for the tournaments only a name told apart:
an evaluation's games, a promotion's round robin of epochs and a training run's epoch
gauntlets were all stored as `tournament`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    tournament = sa.table(
        "tournament", sa.column("id"), sa.column("name"), sa.column("kind", sa.String())
    )
    evaluation = sa.table("evaluation", sa.column("tournament_id"))
    promotion = sa.table("promotion", sa.column("tournament_id"))
    plain = tournament.c.kind == "tournament"
    for kind, chosen in (
        ("evaluation", tournament.c.id.in_(sa.select(evaluation.c.tournament_id))),
        ("promotion", tournament.c.id.in_(sa.select(promotion.c.tournament_id))),
        ("epoch-gauntlet", tournament.c.name.like("train:%:epoch-%")),
    ):
        op.execute(tournament.update().where(plain, chosen).values(kind=kind))
