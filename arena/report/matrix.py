"""The pairwise win-rate matrix: each agent against each opponent, with Wilson intervals."""

from dataclasses import dataclass, fields

from arena.rating.stats import matrix_cells
from arena.store.database import Store
from arena.store.results import Results, read, tally
from arena.store.tables import Battle


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
    """The matrix of battles already in memory."""
    return cells(tally(battles, names))


def stored_matrix(store: Store, tournament_ids: list[int] | None) -> list[MatrixRow]:
    """The matrix of stored tournaments (every one when None), added up by the store."""
    return cells(read(store, tournament_ids))


def cells(results: Results) -> list[MatrixRow]:
    return [
        MatrixRow(a, b, c.games, c.wins, c.losses, c.ties, c.rate, c.low, c.high)
        for (a, b), c in sorted(matrix_cells(results.pairs).items())
    ]
