"""What a training run is told: a plain dataclass apart from the trainer, so that the
command line shows its defaults without importing torch."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainConfig:
    algo: str = "offline-ac"
    epochs: int = 5
    steps_per_epoch: int = 1000
    batch: int = 128
    lr: float = 3e-4
    gamma: float = 0.99
    seed: int = 0
    device: str = "cpu"
    q_heads: int = 2
    expectile: float = 0.7
    polyak: float = 0.005
    target_refresh: int = 0  # steps between target sweeps; 0: twice per pass over the data
    filter: str = "exp"
    beta: float = 3.0
    max_weight: float = 20.0
    critic_weight: float = 1.0
    grad_clip: float = 1.0
    # w in [0, 1]: the policy's loss is (1 - w) · the algorithm's own actor loss + w · the
    # cross-entropy to the teacher's distribution (rows a teacher labelled; the data must
    # have some when w > 0); the value head keeps the algorithm's critic. Expert iteration
    # is `bc` with w = 1: policy from the teacher, value from the returns (the outcomes
    # alone with the `binary` reward); 0 < w < 1 mixes the teacher into `offline-ac`.
    teacher_weight: float = 0.0
