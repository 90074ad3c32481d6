"""What a stored tournament is, and how a stored battle ended: the one spelling of each.

Every tournament row carries its kind, written by the code that made it, so a report, a
resume check or a dashboard page reads the column and never guesses from a name or a
config's `mode`. The values are what the `kind` column holds: `tournament` and
`selfplay` are as old as the column, the rest replaced name prefixes (`evaluation:…`,
`train:RUN:epoch-N`, `promotion:…:epochs`), and revision 0009 fills them in for rows
written before. Ladder and board games belong to no tournament (`Battle.ladder`).

A battle's `end_reason` is an `EndReason`, alone (`normal`, `tie`) or followed by `: ` and
what happened (`forfeit: grunt failed 5 decisions`, `time limit: over 900s`); readers
ask `EndReason.of(text)` rather than matching prefixes of their own.
"""

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def _member(enum: type[E], value: str) -> E | None:
    try:
        return enum(value)
    except ValueError:
        return None


class TournamentKind(StrEnum):
    TOURNAMENT = "tournament"  # `arena tournament`: a round robin or a gauntlet (its mode)
    SELFPLAY = "selfplay"  # `arena selfplay` and a loop's generations: the agent and its mirror
    EVALUATION = "evaluation"  # `arena evaluate` and a promotion's test: an SPRT's games
    EPOCH_GAUNTLET = "epoch-gauntlet"  # a training run's gauntlet after one epoch
    PROMOTION = "promotion"  # a promotion's round robin of a run's epochs
    HUMAN = "human"  # `arena play`: people against agents, one game at a time
    REPLAY = "replay"  # `arena data import`: Showdown replays of people, never rated with the rest

    @property
    def label(self) -> str:
        """How pages and messages name the kind."""
        return LABELS[self]

    @classmethod
    def of(cls, text: str) -> "TournamentKind | None":
        """The kind a stored `kind` holds; None for one newer than this code."""
        return _member(cls, text)


LABELS = {
    TournamentKind.TOURNAMENT: "tournament",
    TournamentKind.SELFPLAY: "self-play run",
    TournamentKind.EVALUATION: "evaluation",
    TournamentKind.EPOCH_GAUNTLET: "training gauntlet",
    TournamentKind.PROMOTION: "promotion round robin",
    TournamentKind.HUMAN: "games against people",
    TournamentKind.REPLAY: "imported replays",
}


class EndReason(StrEnum):
    NORMAL = "normal"  # a winner, by the game's rules
    TIE = "tie"
    FORFEIT = "forfeit"  # an agent failed too many decisions; the detail names it
    TIME_LIMIT = "time limit"  # cut by the wall clock: not rated
    ABANDONED = "abandoned"  # a ladder game whose connection was lost

    def text(self, detail: str) -> str:
        """The stored end reason of this kind with what happened."""
        return f"{self.value}: {detail}"

    @classmethod
    def of(cls, text: str) -> "EndReason | None":
        """The kind of a stored end reason; None for text no arena wrote."""
        return _member(cls, text.partition(":")[0])
