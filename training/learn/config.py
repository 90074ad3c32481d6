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
