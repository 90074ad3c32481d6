"""Agents by name: shipped bots, the search agent (`search`, `search:N`), shipped models
(`base`), a checkpoint, or a poke-env `Player` by import path.

Shipped bots are themselves import paths, so a user's `pkg.module:Class` and a
registry name resolve through the same checks. A checkpoint (a shipped model's name, a
`.pt` file, a run directory, or `DIR@EPOCH`) is checked when it is named, before
anything starts.
"""

import hashlib
import importlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

from poke_env.player import Player

from arena.errors import ArenaError
from arena.models.shipped import SHIPPED
from arena.showdown.validator import FormatInfo

BUILTINS = {
    "random": "poke_env.player:RandomPlayer",
    "max-power": "poke_env.player:MaxBasePowerPlayer",
    "simple-heuristic": "poke_env.player:SimpleHeuristicsPlayer",
    "grunt": "arena.models.heuristics.grunt:GruntPlayer",
    "gym-leader": "arena.models.heuristics.gym_leader:GymLeaderPlayer",
}
# Where arena's bots lived before models/ installed as arena.models: stores, configs and
# users' commands may still name them so, and are read as the new paths.
MOVED_MODULES = {
    "models.grunt": "arena.models.heuristics.grunt",
    "models.gym_leader": "arena.models.heuristics.gym_leader",
}
HEURISTICS = ("random", "max-power", "simple-heuristic", "grunt", "gym-leader")
SEARCH = "search"  # `search` plays SEARCH_DEFAULT iterations per decision, `search:N` N
SEARCH_DEFAULT = 64
SEARCH_PATH = "arena.models.heuristics.search:SearchPlayer"
# The search agent's rungs, weakest first: the opponents that stay hard after the
# heuristics saturate (measured by scripts/bench_search.py).
SEARCH_RUNGS = ("search:16", "search:64", "search:256")


class UnknownAgent(ArenaError, ValueError):
    """The spec names no agent arena can build; the message says why in one line (an
    ArenaError, so the command line reports it like any bad input)."""


def identity_key(kind: str, spec: str, sha256: str | None, settings: str) -> str:
    """What makes two agents the same player, as one stable key.

    An agent is what it plays with: two files under one path, or one file sampled at two
    temperatures, are two agents whose results must never be merged; a display name
    cannot tell them apart. `settings` is the JSON of the settings that change play.
    """
    text = json.dumps([kind, spec, sha256, settings])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class AgentSpec:
    """What a tournament needs to field an agent: a readable name, how to build it, and
    what makes it that agent (kind, spec, checkpoint hash, play-changing settings)."""

    name: str
    kind: str
    import_path: str  # for a checkpoint: its file
    player_class: type[Player]
    sha256: str | None = None
    temperature: float | None = None  # checkpoints only: the device does not change play

    @property
    def plays_doubles(self) -> bool:
        """Whether the agent can play a doubles format: a class says so with
        `plays_doubles = True`; poke-env's own baselines handle both game types, arena's
        bots and the neural policy are singles players."""
        default = self.player_class.__module__.startswith("poke_env.")
        return bool(getattr(self.player_class, "plays_doubles", default))

    @property
    def settings(self) -> str:
        """The settings that change this agent's play, as canonical JSON."""
        chosen = {} if self.temperature is None else {"temperature": self.temperature}
        return json.dumps(chosen, sort_keys=True)

    @property
    def identity(self) -> str:
        return identity_key(self.kind, self.import_path, self.sha256, self.settings)


def check_game_type(spec: AgentSpec, info: FormatInfo, battle_format: str) -> None:
    """A singles agent in a doubles format would lose every game on invalid choices:
    refused before anything connects."""
    if info.game_type != "singles" and not spec.plays_doubles:
        raise ArenaError(
            f"{spec.name} plays singles only and {battle_format} is a {info.game_type} "
            "format (a poke-env Player that plays doubles sets plays_doubles = True)"
        )


def current_path(path: str) -> str:
    """`path` (`pkg.module:Class`) with a module arena has moved named as it is now."""
    module_name, colon, attribute = path.partition(":")
    return MOVED_MODULES.get(module_name, module_name) + colon + attribute


def _import_class(path: str) -> type:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise UnknownAgent(f"bad import path {path!r}: expected pkg.module:Class")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UnknownAgent(f"cannot import {path!r}: {error}") from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise UnknownAgent(f"cannot import {path!r}: {module_name} has no {attribute}") from None


def _is_checkpoint(spec: str) -> bool:
    base = spec.partition("@")[0]
    return base.endswith(".pt") or Path(base).is_dir() or (Path(base).is_file() and ":" not in spec)


def resolve_checkpoint(spec: str, device: str = "cpu", temperature: float = 0.0) -> AgentSpec:
    """A checked checkpoint as an agent; its player class is bound to the file."""
    from arena.models.neural import checkpoint  # torch loads here, not for every command
    from arena.models.neural.player import NeuralPlayer

    try:
        path = checkpoint.resolve_path(spec)
        checkpoint.load(path)
    except checkpoint.CheckpointError as error:
        raise UnknownAgent(str(error)) from None
    name = checkpoint.agent_name(path)
    attributes = {"checkpoint": str(path), "device": device, "temperature": temperature}
    cls = type(f"Neural_{path.stem}", (NeuralPlayer,), attributes)
    return AgentSpec(
        name, "checkpoint", str(path), cls, checkpoint.sha256(path), float(temperature)
    )


def is_search(spec: str) -> bool:
    """Whether `spec` names the search agent (`search`, `search:N`, `search:N@CKPT`)."""
    return spec == SEARCH or spec.startswith(f"{SEARCH}:")


def search_iterations(spec: str) -> int:
    """N of `search:N` (SEARCH_DEFAULT for `search`), checked to be a positive count."""
    if spec == SEARCH:
        return SEARCH_DEFAULT
    count, at, checkpoint = spec.removeprefix(f"{SEARCH}:").partition("@")
    if at:
        if not Path(checkpoint).is_file():
            raise UnknownAgent(f"{spec!r}: checkpoint {checkpoint} does not exist")
        raise UnknownAgent(
            f"{spec!r}: leaf evaluation by a checkpoint is not available; use search:N"
        )
    if not count.isdigit() or int(count) < 1:
        raise UnknownAgent(f"{spec!r}: N in search:N must be a whole number of at least 1")
    return int(count)


def resolve_search(spec: str) -> AgentSpec:
    """The search agent at N iterations per decision; its spec (`search:N`) is what
    rebuilds it, so `search` and `search:64` are one agent."""
    iterations = search_iterations(spec)
    base = _import_class(SEARCH_PATH)
    cls = type(f"Search{iterations}", (base,), {"iterations": iterations})
    return AgentSpec(spec, SEARCH, f"{SEARCH}:{iterations}", cls)


def resolve(spec: str, device: str = "cpu", temperature: float = 0.0) -> AgentSpec:
    """The agent a user named, checked to be a playable poke-env Player."""
    if is_search(spec):
        return resolve_search(spec)
    if spec in SHIPPED:
        return resolve_checkpoint(spec, device, temperature)
    if spec in BUILTINS:
        name, kind, path = spec, "builtin", BUILTINS[spec]
    elif _is_checkpoint(spec):
        return resolve_checkpoint(spec, device, temperature)
    elif ":" in spec:
        path = current_path(spec)
        name, kind = path, "import"
    else:
        known = ", ".join([*BUILTINS, SEARCH, "search:N", *SHIPPED])
        raise UnknownAgent(
            f"unknown agent {spec!r}: use one of {known}, a checkpoint or a pkg.module:Class path"
        )
    cls = _import_class(path)
    if not (inspect.isclass(cls) and issubclass(cls, Player)):
        raise UnknownAgent(f"{spec!r} is not a poke-env Player subclass")
    if inspect.isabstract(cls):
        raise UnknownAgent(f"{spec!r} is abstract: it does not implement choose_move")
    return AgentSpec(name=name, kind=kind, import_path=path, player_class=cls)
