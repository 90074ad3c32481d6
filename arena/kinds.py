"""What a stored tournament is: the one spelling of tournament kinds.

Every tournament row carries its kind, written by the code that made it, so a report, a
resume check or a dashboard page reads the column and never guesses from a name or a
config's `mode`. The values are what the `kind` column holds: `tournament` and
`selfplay` are as old as the column, the rest replaced name prefixes (`evaluation:…`,
`train:RUN:epoch-N`, `promotion:…:epochs`), and revision 0009 fills them in for rows
written before. Ladder and board games belong to no tournament (`Battle.ladder`).
"""

from enum import StrEnum


class TournamentKind(StrEnum):
    TOURNAMENT = "tournament"  # `arena tournament`: a round robin or a gauntlet (its mode)
    SELFPLAY = "selfplay"  # `arena selfplay` and a loop's generations: the agent and its mirror
    EVALUATION = "evaluation"  # `arena evaluate` and a promotion's test: an SPRT's games
    EPOCH_GAUNTLET = "epoch-gauntlet"  # a training run's gauntlet after one epoch
    PROMOTION = "promotion"  # a promotion's round robin of a run's epochs

    @property
    def label(self) -> str:
        """How pages and messages name the kind."""
        return LABELS[self]


LABELS = {
    TournamentKind.TOURNAMENT: "tournament",
    TournamentKind.SELFPLAY: "self-play run",
    TournamentKind.EVALUATION: "evaluation",
    TournamentKind.EPOCH_GAUNTLET: "training gauntlet",
    TournamentKind.PROMOTION: "promotion round robin",
}
