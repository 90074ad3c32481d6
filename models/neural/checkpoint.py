"""Checkpoint files: one `.pt` of tensors and plain data, loaded with weights_only=True.

A checkpoint carries what it takes to trust and reproduce it: the model config, the
feature and action versions it was trained on, its parent (path and sha256), the
reward function, the training algorithm, the sha256 of its data manifest, the epoch
and training metrics (`algorithm` and `data` are absent from older files: None).
Loading never runs code from the file: `torch.load(..., weights_only=True)` refuses
anything but tensors and plain containers.

A checkpoint is named four ways, all resolved by `resolve_path`: a shipped model's name
(`base`, see `arena.models.shipped`); a file; a directory of `policy_epoch_N.pt` files, meaning
its latest epoch; `DIR@N`, epoch N of that directory. An agent's name comes from the
path: the shipped name for a shipped file, `run1/epoch_4` for `run1/policy_epoch_4.pt`,
else `parent/stem`.
"""

import hashlib
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from arena.models.neural.actions import ACTION_VERSION
from arena.models.neural.features import FEATURE_VERSION
from arena.models.neural.policy import Policy, PolicyConfig
from arena.models.shipped import SHIPPED

FORMAT = "arena-policy"
FORMAT_VERSION = 1
REQUIRED = {
    "format",
    "format_version",
    "config",
    "feature_version",
    "action_version",
    "parent",
    "reward",
    "epoch",
    "metrics",
    "state_dict",
}
EPOCH_FILE = re.compile(r"policy_epoch_(\d+)\.pt$")


class CheckpointError(ValueError):
    """A file that is not a usable arena checkpoint; the message says why in one line."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_path(spec: str) -> Path:
    """The file a checkpoint spec means (shipped name, file, run directory, or DIR@EPOCH):
    the one resolver every command that takes a checkpoint goes through."""
    if spec in SHIPPED:
        if not SHIPPED[spec].is_file():
            raise CheckpointError(f"the {spec} model is not built: run scripts/build_base_model.py")
        return SHIPPED[spec]
    base, _, epoch = spec.partition("@")
    path = Path(base)
    if not path.exists():
        raise CheckpointError(f"no such checkpoint: {base}")
    if path.is_file():
        if epoch:
            raise CheckpointError(f"{spec}: @EPOCH applies to a directory of policy_epoch_N.pt")
        return path
    epochs = {int(m.group(1)): p for p in path.iterdir() if (m := EPOCH_FILE.search(p.name))}
    if not epochs:
        raise CheckpointError(f"{base} holds no policy_epoch_N.pt files")
    if not epoch:
        return epochs[max(epochs)]
    if not epoch.isdigit() or int(epoch) not in epochs:
        raise CheckpointError(f"{base} has no epoch {epoch} (it has {sorted(epochs)})")
    return epochs[int(epoch)]


def agent_name(path: Path) -> str:
    """The readable name of the agent a checkpoint file plays as."""
    shipped = {file: name for name, file in SHIPPED.items()}
    if path.resolve() in shipped:
        return shipped[path.resolve()]
    match = EPOCH_FILE.search(path.name)
    stem = f"epoch_{match.group(1)}" if match else path.stem
    return f"{path.parent.name}/{stem}" if path.parent.name else stem


@dataclass
class Checkpoint:
    config: PolicyConfig
    state_dict: dict
    parent: dict | None = None
    reward: str | None = None
    epoch: int = 0
    metrics: dict | None = None
    algorithm: str | None = None
    data: str | None = None  # sha256 of the training data's manifests

    def policy(self, device: str | torch.device = "cpu") -> Policy:
        model = Policy(self.config)
        model.load_state_dict(self.state_dict)
        return model.to(device).eval()

    def save(self, path: Path) -> str:
        """Writes atomically and returns the file's sha256."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "config": self.config.to_dict(),
            "feature_version": FEATURE_VERSION,
            "action_version": ACTION_VERSION,
            "parent": self.parent,
            "reward": self.reward,
            "epoch": self.epoch,
            "metrics": self.metrics or {},
            "algorithm": self.algorithm,
            "data": self.data,
            "state_dict": self.state_dict,
        }
        partial = path.with_name(f".{path.name}.partial")
        torch.save(data, partial)
        partial.replace(path)
        return sha256(path)


def load(path: Path) -> Checkpoint:
    """Reads and checks a checkpoint; every way it can be wrong is a CheckpointError."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path} is refused: it holds more than tensors ({first})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as error:
        first = (str(error).strip().splitlines() or ["unreadable"])[0]
        raise CheckpointError(f"{path} is not a readable checkpoint: {first}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an arena checkpoint")
    missing = REQUIRED - set(data)
    if missing:
        raise CheckpointError(f"{path} lacks {', '.join(sorted(missing))}")
    if data["feature_version"] != FEATURE_VERSION:
        raise CheckpointError(
            f"{path} needs features version {data['feature_version']}, and this arena "
            f"encodes version {FEATURE_VERSION}: retrain it on data built with version "
            f"{FEATURE_VERSION}"
        )
    for key, expected in (("format_version", FORMAT_VERSION), ("action_version", ACTION_VERSION)):
        if data[key] != expected:
            raise CheckpointError(f"{path} has {key} {data[key]}, this arena reads {expected}")
    checkpoint = Checkpoint(
        config=PolicyConfig(**data["config"]),
        state_dict=data["state_dict"],
        parent=data["parent"],
        reward=data["reward"],
        epoch=data["epoch"],
        metrics=data["metrics"],
        algorithm=data.get("algorithm"),
        data=data.get("data"),
    )
    try:
        checkpoint.policy()
    except (RuntimeError, TypeError) as error:
        first = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path} does not fit its own config: {first}") from None
    return checkpoint


def initialise(config: PolicyConfig, seed: int) -> Checkpoint:
    torch.manual_seed(seed)
    return Checkpoint(config=config, state_dict=Policy(config).state_dict(), epoch=0)
