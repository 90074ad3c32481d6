"""Offline training of the policy: masked behaviour cloning, or an offline actor-critic.

One algorithm, top to bottom: config, networks, losses, the loop, checkpoints.

`bc` maximises the log-probability of the recorded action under the legal-masked
softmax; its value head regresses the (scaled) Monte-Carlo return, so the diagnosis can
still say how much of the outcome the network reads from a state.

`offline-ac` is in the IQL / CRR / filtered-BC family, chosen because it never queries
actions the data does not hold (no out-of-distribution maximisation):
- critic: `q_heads` (default 2) Q heads over the 9 slots on the policy's own trunk;
  each regresses r + γ·V'(s') on the taken action (γ `gamma`, default 0.99);
- value: the policy's value head, by expectile regression (τ `expectile`, default 0.7)
  towards min over heads of Q'(s, a), an optimistic in-support maximum; rows whose action
  the protocol never revealed regress r + γ·V'(s') instead, since their action is
  unknown but their transition is not;
- targets: a Polyak copy of the whole network (`polyak`, default 0.005 per step); its
  V'(s) and min Q'(s, a) for every training row are swept into a table every
  `target_refresh` steps (default: twice per pass over the data), so each step costs
  one forward and backward pass, as behaviour cloning does;
- actor: advantage-filtered behaviour cloning with A = min Q'(s,a) − V'(s) from that
  table: `filter` "exp" weights log π(a|s) by min(exp(β·A), `max_weight`) (β `beta`
  default 3, cap 20, as IQL/CRR), "binary" by 1[A > 0] (CRR's indicator, filtered BC);
  decisions with an unknown action are left out of the actor's loss;
- the legal mask applies to logits (illegal slots get −inf), to Q values (only legal
  slots are read or reported) and to advantages;
- rewards are divided by the standard deviation of the training split's returns, so
  every reward function (±100 binary, dense shaped) lands on targets of unit size.
The losses share the trunk: loss = actor + `critic_weight` · (Q + V losses).

A teacher's targets (`teacher_weight` w > 0; see `TrainConfig`) replace part of either
algorithm's actor loss: actor = (1 − w) · actor + w · H(teacher, π), the cross-entropy
from the teacher's distribution to the masked policy, averaged over the rows a teacher
labelled; the critic is the algorithm's own. The diagnosis then also reports the held-out
rows' cross-entropy to the teacher and how often the policy's top slot is the teacher's. The
checkpoint keeps only the policy's state dict (what it plays with); the Q heads, the
target copy and the optimiser's state live in `train_state.pt` beside the checkpoints.
Adam at `lr` (default 3e-4) with cosine decay to 10% over the run, gradients clipped at
norm `grad_clip` (1.0).
"""

import copy
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from arena.models.neural.actions import N_MOVES
from arena.models.neural.checkpoint import Checkpoint, sha256
from arena.models.neural.policy import Policy
from arena.training.learn import diagnosis
from arena.training.learn.config import TrainConfig
from arena.training.learn.transitions import Transitions

ALGORITHMS = ("bc", "offline-ac")
FILTERS = ("exp", "binary")
STATE_FILE = "train_state.pt"
METRICS_FILE = "metrics.jsonl"
EVAL_CHUNK = 512


# -- networks ----------------------------------------------------------------------------


class QHeads(nn.Module):
    """An ensemble of Q heads, each scoring every slot from what the actor's head reads."""

    def __init__(self, d_model: int, count: int):
        super().__init__()

        def mlp():
            return nn.Sequential(nn.Linear(2 * d_model, d_model), nn.GELU(), nn.Linear(d_model, 1))

        self.moves = nn.ModuleList(mlp() for _ in range(count))
        self.switches = nn.ModuleList(mlp() for _ in range(count))

    def forward(self, slots: torch.Tensor) -> torch.Tensor:
        """(heads, B, 9) Q values, unmasked."""
        return torch.stack(
            [
                torch.cat([m(slots[:, :N_MOVES]), s(slots[:, N_MOVES:])], dim=1).squeeze(-1)
                for m, s in zip(self.moves, self.switches, strict=True)
            ]
        )


class ActorCritic(nn.Module):
    """The policy (logits and V) with Q heads on its trunk."""

    def __init__(self, policy: Policy, q_heads: int):
        super().__init__()
        self.policy = policy
        self.q = QHeads(policy.config.d_model, q_heads)

    def forward(self, batch: dict[str, torch.Tensor]):
        slots, context = self.policy.slots(batch)
        logits, value = self.policy.heads(slots, context)
        return logits, value, self.q(slots)


def masked_log_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(logits.masked_fill(~mask, float("-inf")), dim=-1)


def actor_weights(advantage: torch.Tensor, config: TrainConfig) -> torch.Tensor:
    if config.filter == "binary":
        return (advantage > 0).float()
    return torch.exp(config.beta * advantage).clamp(max=config.max_weight)


# -- losses ------------------------------------------------------------------------------


@dataclass
class Targets:
    """The target copy's V'(s) and min-over-heads Q'(s, a) for every training row."""

    value: torch.Tensor
    q_taken: torch.Tensor


def expectile_loss(error: torch.Tensor, tau: float) -> torch.Tensor:
    """Asymmetric squared error: under-estimates weigh τ, over-estimates 1 − τ (IQL)."""
    weight = torch.where(error > 0, tau, 1 - tau)
    return (weight * error.square()).mean()


def teacher_loss(logp: torch.Tensor, data: Transitions, rows: torch.Tensor) -> torch.Tensor:
    """The mean cross-entropy to the teacher over the rows it labelled."""
    taught = data.taught[rows]
    return (
        diagnosis.teacher_cross_entropy(logp, data.teacher[rows]) * taught
    ).sum() / taught.sum().clamp(min=1)


def bc_loss(model: ActorCritic, data: Transitions, rows: torch.Tensor):
    logits, value, _ = model(data.rows(rows))
    logp = masked_log_softmax(logits, data.mask[rows])
    known = data.known[rows]
    taken = logp.gather(1, data.action[rows].clamp(min=0).unsqueeze(1)).squeeze(1)
    actor = -(taken * known).sum() / known.sum().clamp(min=1)
    critic = F.mse_loss(value, data.returns[rows])
    return actor, critic, logp


def offline_ac_loss(
    model: ActorCritic, data: Transitions, rows: torch.Tensor, targets: Targets, config
):
    logits, value, q = model(data.rows(rows))
    known = data.known[rows]
    action = data.action[rows].clamp(min=0)
    bootstrap = (
        data.reward[rows]
        + config.gamma * (~data.terminal[rows]) * targets.value[data.next_row[rows]]
    )
    q_taken = q.gather(2, action.view(1, -1, 1).expand(q.shape[0], -1, 1)).squeeze(2)
    q_loss = ((q_taken - bootstrap).square() * known).sum(1).mean() / known.float().mean().clamp(
        min=1e-6
    )
    value_target = torch.where(known, targets.q_taken[rows], bootstrap)
    v_loss = expectile_loss(value_target - value, config.expectile)
    advantage = targets.q_taken[rows] - targets.value[rows]
    weight = actor_weights(advantage, config) * known
    logp = masked_log_softmax(logits, data.mask[rows])
    taken = logp.gather(1, action.unsqueeze(1)).squeeze(1)
    actor = -(weight * taken).sum() / known.sum().clamp(min=1)
    return actor, q_loss + v_loss, logp


@torch.no_grad()
def sweep_targets(target: ActorCritic, data: Transitions) -> Targets:
    values, q_taken = [], []
    for start in range(0, len(data), EVAL_CHUNK):
        rows = torch.arange(start, min(start + EVAL_CHUNK, len(data)), device=data.action.device)
        _, value, q = target(data.rows(rows))
        action = data.action[rows].clamp(min=0)
        values.append(value)
        q_taken.append(q.min(0).values.gather(1, action.unsqueeze(1)).squeeze(1))
    return Targets(torch.cat(values), torch.cat(q_taken))


@torch.no_grad()
def polyak_update(target: nn.Module, online: nn.Module, rate: float) -> None:
    for t, o in zip(target.parameters(), online.parameters(), strict=True):
        t.lerp_(o, rate)


@torch.no_grad()
def predict(model: ActorCritic, data: Transitions) -> dict[str, torch.Tensor]:
    """Masked log-probabilities, V(s) and min-over-heads Q(s, ·) for every row."""
    logps, values, qs = [], [], []
    for start in range(0, len(data), EVAL_CHUNK):
        rows = torch.arange(start, min(start + EVAL_CHUNK, len(data)), device=data.action.device)
        logits, value, q = model(data.rows(rows))
        logps.append(masked_log_softmax(logits, data.mask[rows]))
        values.append(value)
        qs.append(q.min(0).values)
    return {"logp": torch.cat(logps), "value": torch.cat(values), "q": torch.cat(qs)}


# -- the loop ----------------------------------------------------------------------------


@dataclass
class RunInfo:
    """What a checkpoint records about where it came from."""

    reward: str
    data: str  # sha256 of the data manifests
    parent: dict | None  # {"path", "sha256"} of the initial checkpoint
    slot_frequency: list[float] = field(default_factory=list)


@dataclass
class State:
    """Everything a resumed run needs, in tensors and plain data (weights_only-loadable)."""

    epoch: int
    model: dict
    target: dict
    optimizer: dict
    scheduler: dict
    generator: torch.Tensor
    initial_logp: torch.Tensor
    history: list[dict]

    def save(self, path: Path) -> None:
        partial = path.with_name(f".{path.name}.partial")
        torch.save(asdict(self), partial)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> "State":
        return cls(**torch.load(path, map_location="cpu", weights_only=True))


class Trainer:
    """Trains a policy on one training split, diagnosing it on a held-out split."""

    def __init__(
        self,
        config: TrainConfig,
        init: Checkpoint,
        train: Transitions,
        held_out: Transitions,
        info: RunInfo,
        out: Path,
    ):
        self.config, self.info, self.out = config, info, out
        self.train, self.held_out = train, held_out
        self.config_of_policy = init.config
        torch.manual_seed(config.seed)
        self.model = ActorCritic(init.policy(config.device).train(), config.q_heads).to(
            config.device
        )
        self.target = copy.deepcopy(self.model).eval()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        total = max(1, config.epochs * config.steps_per_epoch)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=total, eta_min=config.lr / 10
        )
        self.generator = torch.Generator().manual_seed(config.seed)
        self.refresh = config.target_refresh or max(1, math.ceil(len(train) / config.batch) * 2)
        self.epoch = 0
        self.history: list[dict] = []
        self.initial_logp = predict(self.model, held_out)["logp"].cpu()

    # -- state -------------------------------------------------------------------------

    def state(self) -> State:
        return State(
            epoch=self.epoch,
            model=self.model.state_dict(),
            target=self.target.state_dict(),
            optimizer=self.optimizer.state_dict(),
            scheduler=self.scheduler.state_dict(),
            generator=self.generator.get_state(),
            initial_logp=self.initial_logp,
            history=self.history,
        )

    def restore(self, state: State) -> None:
        self.model.load_state_dict(state.model)
        self.target.load_state_dict(state.target)
        self.optimizer.load_state_dict(state.optimizer)
        self.scheduler.load_state_dict(state.scheduler)
        self.generator.set_state(state.generator)
        self.initial_logp = state.initial_logp
        self.epoch, self.history = state.epoch, list(state.history)

    # -- one epoch ---------------------------------------------------------------------

    def step(self, targets: Targets | None) -> dict[str, float]:
        rows = torch.randint(len(self.train), (self.config.batch,), generator=self.generator)
        rows = rows.to(self.config.device)
        if self.config.algo == "bc":
            actor, critic, logp = bc_loss(self.model, self.train, rows)
        else:
            actor, critic, logp = offline_ac_loss(
                self.model, self.train, rows, targets, self.config
            )
        taught = self.config.teacher_weight
        if taught > 0:
            actor = (1 - taught) * actor + taught * teacher_loss(logp, self.train, rows)
        loss = actor + self.config.critic_weight * critic
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        if self.config.algo == "offline-ac":
            polyak_update(self.target, self.model, self.config.polyak)
        return {"actor_loss": actor.item(), "critic_loss": critic.item(), "grad_norm": norm.item()}

    def run_epoch(self, on_step: Callable[[int], None] | None = None) -> dict[str, float]:
        self.model.train()
        totals: dict[str, float] = {}
        targets = None
        started = time.perf_counter()
        for k in range(self.config.steps_per_epoch):
            if self.config.algo == "offline-ac" and (targets is None or k % self.refresh == 0):
                targets = sweep_targets(self.target, self.train)
            for key, value in self.step(targets).items():
                totals[key] = totals.get(key, 0.0) + value
            if on_step:
                on_step(k + 1)
        elapsed = time.perf_counter() - started
        steps = max(1, self.config.steps_per_epoch)
        metrics = {key: value / steps for key, value in totals.items()}
        metrics["lr"] = self.scheduler.get_last_lr()[0]
        metrics["samples_per_s"] = steps * self.config.batch / max(elapsed, 1e-9)
        return metrics

    def diagnose(self) -> dict[str, float]:
        self.model.eval()
        predicted = {k: v.cpu() for k, v in predict(self.model, self.held_out).items()}
        return diagnosis.teacher_metrics(
            self.held_out, predicted["logp"]
        ) | diagnosis.held_out_metrics(
            self.held_out,
            predicted,
            self.initial_logp,
            self.info.slot_frequency,
            self.config.gamma,
            lambda advantage: actor_weights(advantage, self.config),
            self.config.algo == "offline-ac",
        )

    # -- files -------------------------------------------------------------------------

    def checkpoint_path(self, epoch: int) -> Path:
        return self.out / f"policy_epoch_{epoch}.pt"

    def save_checkpoint(self, metrics: dict) -> Path:
        policy = self.model.policy
        state_dict = {k: v.detach().cpu().clone() for k, v in policy.state_dict().items()}
        path = self.checkpoint_path(self.epoch)
        Checkpoint(
            config=self.config_of_policy,
            state_dict=state_dict,
            parent=self.info.parent,
            reward=self.info.reward,
            epoch=self.epoch,
            metrics={**metrics, "reward_scale": self.train.scale},
            algorithm=self.config.algo,
            data=self.info.data,
        ).save(path)
        return path

    def finish_epoch(self, metrics: dict, evaluate: Callable[[int, Path], dict] | None) -> dict:
        """Checkpoint and the resumable state first, the evaluation after: a kill while
        training redoes that epoch's steps, a kill while evaluating resumes its gauntlet
        against the very checkpoint it started with."""
        metrics = {**metrics, **self.diagnose()}
        self.save_checkpoint(metrics)
        self.history.append({"epoch": self.epoch, **metrics})
        self.state().save(self.out / STATE_FILE)
        return self.conclude_epoch(evaluate)

    @property
    def concluded(self) -> bool:
        """Whether the last epoch has its evaluation and verdict (a kill can leave it
        checkpointed but not yet judged)."""
        return not self.history or "verdict" in self.history[-1]

    def conclude_epoch(self, evaluate: Callable[[int, Path], dict] | None) -> dict:
        """Evaluation, verdict, metrics line and state for the last checkpointed epoch."""
        record = self.history[-1]
        if evaluate is not None:
            record["evaluation"] = evaluate(self.epoch, self.checkpoint_path(self.epoch))
        record["verdict"] = diagnosis.verdict(self.history, self.config.algo)
        write_metrics(self.out, self.history)
        self.state().save(self.out / STATE_FILE)
        return record


def write_metrics(out: Path, history: list[dict]) -> None:
    """The whole metrics file, rewritten atomically (a resumed run never repeats a line)."""
    partial = out / f".{METRICS_FILE}.partial"
    partial.write_text("".join(json.dumps(line) + "\n" for line in history))
    partial.replace(out / METRICS_FILE)


def parent_of(path: Path | None) -> dict | None:
    return None if path is None else {"path": str(path), "sha256": sha256(path)}
