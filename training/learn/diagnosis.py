"""Is the run learning? Held-out metrics each epoch, and one sentence that says so.

Metrics are computed on held-out battles (split by battle, so no battle's later turns
leak the answer). The actor is measured against two baselines: uniform over the legal
actions and the training data's action-slot frequencies (masked to the legal ones). The
critic is measured against the data's Monte-Carlo returns: a critic that has learned the
reward explains a share of their variance; one fed noise explains none, whatever its
loss curve looks like (a flat critic loss alone says nothing: it is flat both when the
critic has converged and when there is nothing to learn).

Verdict thresholds (checked on constructed datasets in tests/integration/test_trainer.py):
- the critic learns the reward when Q(s, a) explains ≥ CRITIC_EV of the held-out
  returns' variance (a tenth: well above the ~0 of shuffled rewards, well below what a
  reward that follows the action reaches);
- the actor's weights are ~uniform, i.e. the run is behaviour cloning whatever its
  name, when their effective sample size is ≥ UNIFORM_ESS of the batch;
- TD error is flat when its last value is above FLAT_TD of its first;
- behaviour cloning learns when its held-out NLL is below BC_MARGIN of the
  uniform-legal baseline's.
"""

import math
from collections.abc import Callable

import numpy as np
import torch

from arena.training.learn.transitions import Transitions

CRITIC_EV = 0.10
UNIFORM_ESS = 0.95
FLAT_TD = 0.90
BC_MARGIN = 0.90
WIN_TURNS = (1, 5, 10)


def explained_variance(prediction: np.ndarray, target: np.ndarray) -> float:
    """1 − Var(target − prediction) / Var(target): 0 for a constant guess, 1 for exact."""
    spread = float(np.var(target))
    if len(target) < 2 or spread < 1e-12:
        return float("nan")
    return 1.0 - float(np.var(target - prediction)) / spread


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Probability a random positive outranks a random negative (Mann–Whitney, ties ½)."""
    positives, negatives = score[label], score[~label]
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([positives, negatives]), kind="mergesort")
    ranks = np.empty(len(order))
    combined = np.concatenate([positives, negatives])[order]
    ranks_sorted = np.arange(1, len(order) + 1, dtype=float)
    _, first, counts = np.unique(combined, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        ranks_sorted[start : start + count] = ranks_sorted[start : start + count].mean()
    ranks[order] = ranks_sorted
    rank_sum = ranks[: len(positives)].sum()
    n_pos, n_neg = len(positives), len(negatives)
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def effective_sample_size(weights: np.ndarray) -> float:
    """(Σw)² / (n·Σw²): 1 when every weight is equal, 1/n when one row takes all."""
    if len(weights) == 0 or not np.any(weights > 0):
        return 0.0
    return float(weights.sum() ** 2 / (len(weights) * np.square(weights).sum()))


def _nll(logp: np.ndarray, action: np.ndarray) -> float:
    return float(-logp[np.arange(len(action)), action].mean()) if len(action) else float("nan")


def _baseline_logp(mask: np.ndarray, frequency: list[float]) -> np.ndarray:
    weights = np.where(mask, np.asarray(frequency, dtype=np.float64) + 1e-3, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(weights / weights.sum(1, keepdims=True))


def teacher_cross_entropy(logp: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """H(teacher, π) per row; illegal slots (−inf, never in a target) contribute nothing."""
    return -(teacher * torch.nan_to_num(logp, neginf=0.0)).sum(1)


def teacher_metrics(data: Transitions, logp: torch.Tensor) -> dict[str, float]:
    """On held-out rows a teacher labelled: the cross-entropy to its distribution and how
    often the policy's top slot is the teacher's; nothing when no row was labelled."""
    taught = data.taught.cpu()
    if not taught.any():
        return {}
    teacher, mine = data.teacher.cpu()[taught], logp[taught]
    return {
        "teacher_ce": float(teacher_cross_entropy(mine, teacher).mean()),
        "teacher_top1": float((mine.argmax(1) == teacher.argmax(1)).float().mean()),
    }


def held_out_metrics(
    data: Transitions,
    predicted: dict[str, torch.Tensor],
    initial_logp: torch.Tensor,
    slot_frequency: list[float],
    gamma: float,
    weigh: Callable[[torch.Tensor], torch.Tensor],
    has_q: bool,
) -> dict[str, float]:
    """Every held-out metric of one epoch (see the module docstring for the baselines)."""
    known = data.known.cpu().numpy()
    action = data.action.cpu().numpy()[known]
    mask = data.mask.cpu().numpy()
    logp = predicted["logp"].numpy()
    value = predicted["value"].numpy()
    returns = data.returns.cpu().numpy()
    probs = np.exp(logp)
    legal_count = mask.sum(1)
    choice = known & (legal_count >= 2)
    metrics = {
        "nll": _nll(logp[known], action),
        "nll_uniform": float(np.log(legal_count[known]).mean()) if known.any() else float("nan"),
        "nll_slot_frequency": _nll(_baseline_logp(mask[known], slot_frequency), action),
        "top1": float((logp[choice].argmax(1) == data.action.cpu().numpy()[choice]).mean())
        if choice.any()
        else float("nan"),
        "value_ev": explained_variance(value, returns),
        "entropy": float(-np.where(mask, probs * np.nan_to_num(logp, neginf=0.0), 0).sum(1).mean()),
        "kl_from_init": _kl(logp, initial_logp.numpy(), mask),
    }
    metrics |= _win_auc(data, value)
    metrics["td_error"] = _td_error(data, value, gamma)
    if has_q:
        metrics |= _advantages(data, predicted, weigh, returns)
    else:
        metrics |= {"critic_ev": metrics["value_ev"], "ess": 1.0}
    return metrics


def _kl(logp: np.ndarray, initial: np.ndarray, mask: np.ndarray) -> float:
    """KL(π ‖ π_init) over the legal actions, averaged over rows."""
    terms = np.where(mask, np.exp(logp) * (np.nan_to_num(logp) - np.nan_to_num(initial)), 0.0)
    return float(terms.sum(1).mean())


def _win_auc(data: Transitions, value: np.ndarray) -> dict[str, float]:
    """How well V at turn t ranks the side that went on to win, t in WIN_TURNS."""
    turn, won = data.turn.cpu().numpy(), data.won.cpu().numpy()
    return {f"win_auc_turn{t}": auc(value[turn == t], won[turn == t]) for t in WIN_TURNS}


def _td_error(data: Transitions, value: np.ndarray, gamma: float) -> float:
    """Root-mean-square one-step TD error of V, in units of the returns' spread."""
    reward, terminal = data.reward.cpu().numpy(), data.terminal.cpu().numpy()
    following = value[data.next_row.cpu().numpy()]
    error = reward + gamma * (~terminal) * following - value
    spread = float(np.std(data.returns.cpu().numpy()))
    return float(np.sqrt(np.mean(error**2)) / spread) if spread > 1e-12 else float("nan")


def _advantages(data, predicted, weigh, returns) -> dict[str, float]:
    known = data.known.cpu().numpy()
    mask = data.mask.cpu().numpy()
    q = predicted["q"].numpy()
    value = predicted["value"].numpy()
    action = np.clip(data.action.cpu().numpy(), 0, None)
    advantage_all = np.where(mask, q - value[:, None], np.nan)
    several = mask.sum(1) >= 2
    spread = np.nanstd(advantage_all[several], axis=1) if several.any() else np.array([np.nan])
    taken = advantage_all[np.arange(len(action)), action][known]
    q_taken = q[np.arange(len(action)), action][known]
    weights = weigh(torch.as_tensor(taken)).numpy()
    return {
        "critic_ev": explained_variance(q_taken, returns[known]),
        "advantage_std": float(np.mean(spread)),
        "advantage_positive": float(np.mean(taken > 0)) if len(taken) else float("nan"),
        "ess": effective_sample_size(weights),
    }


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.0f}%"


def verdict(history: list[dict], algo: str) -> str:
    """One sentence on whether the run learns, from every epoch so far (last one last)."""
    last = history[-1]
    epochs = last["epoch"]
    if epochs == 0:
        return (
            f"initial policy: held-out NLL {last['nll']:.3f} (uniform-legal "
            f"{last['nll_uniform']:.3f}), value explains {_pct(last['value_ev'])} of returns"
        )
    if algo == "bc":
        nll, uniform = last["nll"], last["nll_uniform"]
        state = "learning" if nll < BC_MARGIN * uniform else "not learning"
        return (
            f"{state}: held-out NLL {nll:.3f} against {uniform:.3f} for uniform-legal and "
            f"{last['nll_slot_frequency']:.3f} for slot frequencies; value explains "
            f"{_pct(last['value_ev'])} of returns"
        )
    ev, ess, kl = last["critic_ev"], last["ess"], last["kl_from_init"]
    first_td = history[0]["td_error"]
    td = "flat" if last["td_error"] > FLAT_TD * first_td else "falling"
    uniform = ess >= UNIFORM_ESS
    if math.isnan(ev) or ev < CRITIC_EV:
        tail = (
            f"the actor's weights are ~uniform (ESS {ess:.2f}), so this run is behaviour cloning"
            if uniform
            else f"the actor's weights (ESS {ess:.2f}) follow the critic's noise"
        )
        return (
            f"critic is not learning the reward: explained variance {ev:.2f} after {epochs} "
            f"epochs, TD error {td}; {tail}"
        )
    if uniform:
        return (
            f"critic learns (value explains {_pct(ev)} of returns) but the actor's weights "
            f"are ~uniform (ESS {ess:.2f}): advantages pick no action, so this run is "
            f"behaviour cloning"
        )
    return (
        f"learning: value explains {_pct(ev)} of returns, actor moved {kl:.2f} nats from its init"
    )
