"""Decisions and a reward → transitions: each row's next row, its return and its outcome.

A side's decisions in one battle form a chain ordered by turn; a row's successor is the
same side's next decision, and a row is terminal on the side's last decision (or when
its battle was cut short and no successor exists). Monte-Carlo returns and the side's
final result are per-row facts of the data, used by the critic's diagnosis, so they are
computed here once, outside any model.
"""

from dataclasses import dataclass

import numpy as np
import torch

from arena.training.data.decisions import COMPONENTS, UNKNOWN_ACTION, Decisions

VICTORY = COMPONENTS.index("victory")


@dataclass
class Transitions:
    """One split as tensors; rewards and returns are divided by `scale`."""

    observations: dict[str, torch.Tensor]
    action: torch.Tensor  # int64 (N,), UNKNOWN_ACTION where not revealed
    mask: torch.Tensor  # bool (N, 9)
    reward: torch.Tensor  # float32 (N,), scaled
    terminal: torch.Tensor  # bool (N,): nothing to bootstrap from
    next_row: torch.Tensor  # int64 (N,): the successor's row (itself when terminal)
    returns: torch.Tensor  # float32 (N,): discounted Monte-Carlo return, scaled
    won: torch.Tensor  # bool (N,): the deciding side won its battle
    turn: torch.Tensor  # int32 (N,)
    scale: float
    teacher: torch.Tensor  # float32 (N, 9): the teacher's distribution, zeros where none

    def __len__(self) -> int:
        return len(self.action)

    @property
    def known(self) -> torch.Tensor:
        return self.action != UNKNOWN_ACTION

    @property
    def taught(self) -> torch.Tensor:
        return self.teacher.sum(dim=1) > 0

    def rows(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """The observations of the rows at `index`, as a model batch."""
        return {key: value[index] for key, value in self.observations.items()}


def chains(decisions: Decisions) -> tuple[np.ndarray, np.ndarray]:
    """Each row's successor (itself when there is none) and whether it is terminal."""
    n = len(decisions)
    order = np.lexsort((np.arange(n), decisions.turn, decisions.side, decisions.battle))
    same = (decisions.battle[order][1:] == decisions.battle[order][:-1]) & (
        decisions.side[order][1:] == decisions.side[order][:-1]
    )
    next_row = np.arange(n)
    next_row[order[:-1][same]] = order[1:][same]
    terminal = decisions.done | (next_row == np.arange(n))
    next_row[terminal] = np.flatnonzero(terminal)
    return next_row, terminal


def monte_carlo(
    reward: np.ndarray, next_row: np.ndarray, terminal: np.ndarray, gamma: float
) -> np.ndarray:
    """Discounted returns, summed backwards along each chain (a successor always comes
    later in play order, so one pass from the last row settles every row)."""
    returns = np.zeros(len(reward), dtype=np.float64)
    for row in _reverse_play_order(next_row, terminal):
        bootstrap = 0.0 if terminal[row] else gamma * returns[next_row[row]]
        returns[row] = reward[row] + bootstrap
    return returns.astype(np.float32)


def _reverse_play_order(next_row: np.ndarray, terminal: np.ndarray) -> list[int]:
    """Rows such that each comes after its successor: chains walked from their heads."""
    has_predecessor = np.zeros(len(next_row), dtype=bool)
    has_predecessor[next_row[~terminal]] = True
    order = []
    for head in np.flatnonzero(~has_predecessor):
        row = int(head)
        order.append(row)
        while not terminal[row]:
            row = int(next_row[row])
            order.append(row)
    return order[::-1]


def outcome(decisions: Decisions) -> np.ndarray:
    """Whether each row's side won its battle (its victory components sum above 0)."""
    key = decisions.battle.astype(np.int64) * 2 + decisions.side
    groups, inverse = np.unique(key, return_inverse=True)
    total = np.zeros(len(groups))
    np.add.at(total, inverse, decisions.components[:, VICTORY])
    return total[inverse] > 0


def return_scale(reward: np.ndarray, decisions: Decisions, gamma: float) -> float:
    """The standard deviation of the returns: dividing by it puts every reward function's
    values and targets near unit size, so one learning rate suits them all."""
    next_row, terminal = chains(decisions)
    spread = float(np.std(monte_carlo(reward, next_row, terminal, gamma)))
    return spread if spread > 1e-6 else 1.0


def build(
    decisions: Decisions, reward: np.ndarray, gamma: float, scale: float, device: str
) -> Transitions:
    next_row, terminal = chains(decisions)
    scaled = (reward / scale).astype(np.float32)

    def tensor(array):
        return torch.as_tensor(np.ascontiguousarray(array), device=device)

    return Transitions(
        observations={key: tensor(value) for key, value in decisions.observations.items()},
        action=tensor(decisions.action.astype(np.int64)),
        mask=tensor(decisions.mask.astype(bool)),
        reward=tensor(scaled),
        terminal=tensor(terminal),
        next_row=tensor(next_row.astype(np.int64)),
        returns=tensor(monte_carlo(scaled, next_row, terminal, gamma)),
        won=tensor(outcome(decisions)),
        turn=tensor(decisions.turn.astype(np.int32)),
        scale=scale,
        teacher=tensor(decisions.teacher.astype(np.float32)),
    )
