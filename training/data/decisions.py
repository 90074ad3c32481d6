"""Decisions in memory: the unit the dataset writes and the trainer reads.

One row per decision of one side of one battle, in play order within each battle: the
observation (`arena.models.neural.features` arrays), the action slot taken (-1 when the protocol
never revealed it), the legal mask, and the reward components received between this
decision and that side's next one, and the teacher's distribution over the slots when
the dataset was built with one (`arena.training.data.teacher`; zeros otherwise). Rewards
are weighted sums of the components at training time, so a new reward function needs no
rebuild.
"""

from dataclasses import dataclass, fields

import numpy as np

COMPONENTS = (
    "damage_done",  # HP fraction taken from the opponent's active Pokémon while it stayed in
    "hp_gain",  # HP fraction own Pokémon recovered
    "gave_status",  # non-volatile statuses inflicted on the opponent
    "took_status",  # non-volatile statuses suffered
    "removed",  # opponent Pokémon fainted
    "lost",  # own Pokémon fainted
    "victory",  # +1 win, -1 loss, 0 otherwise (only on a battle's last decision)
)
UNKNOWN_ACTION = -1


@dataclass
class Decisions:
    observations: dict[
        str, np.ndarray
    ]  # each (N, ...), keyed as `arena.models.neural.features.Observation`
    action: np.ndarray  # int64 (N,): slot 0-8, or UNKNOWN_ACTION
    mask: np.ndarray  # bool (N, 9): legal slots
    components: np.ndarray  # float32 (N, len(COMPONENTS))
    done: np.ndarray  # bool (N,): the side's last decision in its battle
    battle: np.ndarray  # int64 (N,): the store's battle id
    side: np.ndarray  # int8 (N,): 0 for p1, 1 for p2
    turn: np.ndarray  # int32 (N,)
    agent: np.ndarray  # int32 (N,): index into `agents`
    fallback: np.ndarray  # bool (N,): the default move stood in (timeout, error)
    agents: list[str]
    teacher: np.ndarray | None = None  # float32 (N, 9): a distribution, or zeros: none asked

    def __post_init__(self) -> None:
        if self.teacher is None:
            self.teacher = np.zeros(self.mask.shape, dtype=np.float32)

    @property
    def taught(self) -> np.ndarray:
        """Rows that carry a teacher's distribution."""
        return self.teacher.sum(axis=1) > 0

    def __len__(self) -> int:
        return len(self.action)

    @property
    def forced_switch(self) -> np.ndarray:
        """Rows where only switches were legal: a forced switch (a fainted or dragged-out
        active), read from the mask so no field has to carry it."""
        return ~self.mask[:, :4].any(axis=1) & self.mask[:, 4:].any(axis=1)

    def take(self, index: np.ndarray) -> "Decisions":
        """The rows at `index` (a boolean mask or positions), in that order."""
        rows = {
            f.name: getattr(self, f.name)[index]
            for f in fields(self)
            if f.name not in ("observations", "agents")
        }
        observations = {key: value[index] for key, value in self.observations.items()}
        return Decisions(observations=observations, agents=self.agents, **rows)

    @classmethod
    def concat(cls, parts: list["Decisions"]) -> "Decisions":
        """One set from several, agent indices remapped onto the union of their names."""
        agents = sorted({name for part in parts for name in part.agents})
        position = {name: k for k, name in enumerate(agents)}
        remapped = [
            np.array([position[n] for n in part.agents], dtype=np.int32)[part.agent]
            for part in parts
        ]
        rows = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(cls)
            if f.name not in ("observations", "agents", "agent")
        }
        observations = {
            key: np.concatenate([p.observations[key] for p in parts])
            for key in parts[0].observations
        }
        return cls(
            observations=observations,
            agent=np.concatenate(remapped).astype(np.int32),
            agents=agents,
            **rows,
        )

    def split_by_battle(self, held_out: float, seed: int) -> tuple["Decisions", "Decisions"]:
        """Training and held-out rows, split by whole battles so no battle leaks across."""
        battles = np.unique(self.battle)
        rng = np.random.default_rng(seed)
        n_held = max(1, round(held_out * len(battles))) if len(battles) > 1 else 0
        held = rng.choice(battles, size=n_held, replace=False)
        in_held = np.isin(self.battle, held)
        return self.take(~in_held), self.take(in_held)
