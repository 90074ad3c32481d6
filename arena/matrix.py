"""The pairwise win-rate matrix: each agent against each opponent, with Wilson intervals."""

from dataclasses import dataclass, fields

from arena.leaderboard import outcomes
from arena.stats import win_rate_matrix
from arena.store import Battle


@dataclass
class MatrixRow:
    agent: str
    opponent: str
    games: int
    wins: int
    losses: int
    ties: int
    win_rate: float
    low: float
    high: float


MATRIX_COLUMNS = [f.name for f in fields(MatrixRow)]


def matrix_rows(battles: list[Battle], names: dict[int, str]) -> list[MatrixRow]:
    cells = win_rate_matrix(outcomes(battles, names))
    return [
        MatrixRow(a, b, c.games, c.wins, c.losses, c.ties, c.rate, c.low, c.high)
        for (a, b), c in sorted(cells.items())
    ]
