"""`arena data info`: what a dataset holds, read before training on it.

Streams the shards one at a time (each checked against its sha256), so auditing a large
dataset needs no more memory than its largest shard. The numbers answer the questions a
trainer's results depend on: whose play it is, how often it wins, how many labels are
missing or stand-ins, and whether every known label is a legal action (it must be).
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arena.models.neural.actions import N_ACTIONS
from arena.training.data import dataset
from arena.training.data.decisions import COMPONENTS, UNKNOWN_ACTION


@dataclass
class ComponentStats:
    mean: float
    std: float
    minimum: float
    maximum: float
    total: float


@dataclass
class Audit:
    battles: int
    decisions: int
    feature_version: int
    action_version: int
    query: dict
    agents: dict[str, dict[str, int]]  # name → {"decisions", "trajectories", "wins"}
    win_rate: float  # of the trajectories (battle sides) the dataset holds
    forced_switch: float
    one_legal: float
    unknown: float
    fallback: float
    label_in_mask: float  # of the decisions with a known action
    components: dict[str, ComponentStats] = field(default_factory=dict)
    slots: dict[str, int] = field(default_factory=dict)  # "0".."8", "unknown"


class _Sums:
    def __init__(self):
        self.n = self.trajectories = self.wins = 0
        self.counts = Counter()
        self.agents: dict[str, Counter] = {}
        self.components = np.zeros((3, len(COMPONENTS)), np.float64)  # sum, sum², n
        self.low = np.full(len(COMPONENTS), np.inf)
        self.high = np.full(len(COMPONENTS), -np.inf)
        self.slots = np.zeros(N_ACTIONS + 1, np.int64)

    def add(self, table, agents: list[str]) -> None:
        n = len(table)
        known = table.action != UNKNOWN_ACTION
        ends = table.done
        won = ends & (table.components[:, COMPONENTS.index("victory")] > 0)
        self.n += n
        self.counts.update(
            forced=int(table.forced_switch.sum()),
            one_legal=int((table.mask.sum(axis=1) == 1).sum()),
            unknown=int((~known).sum()),
            fallback=int(table.fallback.sum()),
            known=int(known.sum()),
            in_mask=int(table.mask[known.nonzero()[0], table.action[known]].sum()),
        )
        for k, name in enumerate(agents):
            mine = table.agent == k
            if mine.any():
                self.agents.setdefault(name, Counter()).update(
                    decisions=int(mine.sum()),
                    trajectories=int((mine & ends).sum()),
                    wins=int((mine & won).sum()),
                )
        self.trajectories += int(ends.sum())
        self.wins += int(won.sum())
        c = table.components.astype(np.float64)
        self.components += [c.sum(0), (c * c).sum(0), np.full(len(COMPONENTS), n)]
        self.low = np.minimum(self.low, c.min(0, initial=np.inf))
        self.high = np.maximum(self.high, c.max(0, initial=-np.inf))
        self.slots += np.bincount(table.action + 1, minlength=N_ACTIONS + 1)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def audit(directory: Path) -> Audit:
    """The audit of one dataset directory; refuses a damaged or foreign one."""
    manifest = dataset.read_manifest(directory)
    sums = _Sums()
    for path in dataset.verified_shards(directory, manifest):
        sums.add(dataset.read_shard(path, manifest.agents), manifest.agents)
    total, squares, n = sums.components
    mean = np.divide(total, n, out=np.zeros_like(total), where=n > 0)
    var = np.divide(squares, n, out=np.zeros_like(total), where=n > 0) - mean**2
    counts = sums.counts
    return Audit(
        battles=len(manifest.battles),
        decisions=sums.n,
        feature_version=manifest.feature_version,
        action_version=manifest.action_version,
        query=manifest.query,
        agents={name: dict(c) for name, c in sorted(sums.agents.items())},
        win_rate=_share(sums.wins, sums.trajectories),
        forced_switch=_share(counts["forced"], sums.n),
        one_legal=_share(counts["one_legal"], sums.n),
        unknown=_share(counts["unknown"], sums.n),
        fallback=_share(counts["fallback"], sums.n),
        label_in_mask=_share(counts["in_mask"], counts["known"]),
        components={
            name: ComponentStats(
                float(mean[k]),
                float(np.sqrt(max(var[k], 0.0))),
                float(sums.low[k]) if sums.n else 0.0,
                float(sums.high[k]) if sums.n else 0.0,
                float(total[k]),
            )
            for k, name in enumerate(COMPONENTS)
        },
        slots={"unknown": int(sums.slots[0])}
        | {str(k): int(sums.slots[k + 1]) for k in range(N_ACTIONS)},
    )
