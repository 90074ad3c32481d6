"""Constructed decision tables with known answers, shaped like the encoder's output.

Each battle is a short chain of decisions by one side; the state is written into the
global features (dims read from `arena.models.neural.features`, so a new feature version still fits)
and the reward into `damage_done`, so `REWARD` reads it back.
"""

from pathlib import Path

import numpy as np

from arena.models.neural.actions import N_ACTIONS
from arena.models.neural.features import (
    GLOBAL_FEATURES,
    MOVE_FEATURES,
    N_ENTITIES,
    N_MOVE_SLOTS,
    POKEMON_FEATURES,
)
from arena.training.data import dataset
from arena.training.data.decisions import COMPONENTS, Decisions
from arena.training.data.rewards import RewardFunction

REWARD = RewardFunction("damage", {"damage_done": 1.0})
DAMAGE = COMPONENTS.index("damage_done")
VICTORY = COMPONENTS.index("victory")


def observations(n: int, state: np.ndarray) -> dict[str, np.ndarray]:
    """Observations whose only content is `state` (n, k) in the first global features."""
    globals_ = np.zeros((n, GLOBAL_FEATURES), np.float32)
    globals_[:, : state.shape[1]] = state
    moves = np.zeros((n, N_ENTITIES, N_MOVE_SLOTS), np.int64)
    moves[:, 0] = np.arange(1, N_MOVE_SLOTS + 1)  # the active's moves differ, as in play
    return {
        "species": np.zeros((n, N_ENTITIES), np.int64),
        "pokemon": np.zeros((n, N_ENTITIES, POKEMON_FEATURES), np.float32),
        "moves": moves,
        "move_types": np.zeros((n, N_ENTITIES, N_MOVE_SLOTS), np.int64),
        "move_features": np.zeros((n, N_ENTITIES, N_MOVE_SLOTS, MOVE_FEATURES), np.float32),
        "globals": globals_,
    }


def table(state, action, mask, reward, battle, turn, done, won=None) -> Decisions:
    n = len(action)
    components = np.zeros((n, len(COMPONENTS)), np.float32)
    components[:, DAMAGE] = reward
    if won is not None:
        components[:, VICTORY] = np.where(done, np.where(won, 1.0, -1.0), 0.0)
    return Decisions(
        observations=observations(n, state),
        action=np.asarray(action, np.int64),
        mask=np.asarray(mask, bool),
        components=components,
        done=np.asarray(done, bool),
        battle=np.asarray(battle, np.int64),
        side=np.zeros(n, np.int8),
        turn=np.asarray(turn, np.int32),
        agent=np.zeros(n, np.int32),
        fallback=np.zeros(n, bool),
        agents=["behaviour"],
    )


def chain(battles: int, length: int) -> Decisions:
    """Every battle walks turns 1..length with one legal action; reward 1 on the last."""
    turn = np.tile(np.arange(1, length + 1), battles)
    mask = np.zeros((len(turn), N_ACTIONS), bool)
    mask[:, 0] = True
    return table(
        state=(turn[:, None] / length).astype(np.float32),
        action=np.zeros(len(turn)),
        mask=mask,
        reward=(turn == length).astype(np.float32),
        battle=np.repeat(np.arange(battles), length),
        turn=turn,
        done=turn == length,
    )


def two_actions(battles: int, seed: int, shuffled: bool = False) -> Decisions:
    """One decision per battle between slots 0 and 1, taken at random; slot 0 earns 1,
    slot 1 nothing (or, `shuffled`, the same rewards dealt out at random)."""
    rng = np.random.default_rng(seed)
    action = rng.integers(0, 2, battles)
    reward = (action == 0).astype(np.float32)
    if shuffled:
        reward = rng.permutation(reward)
    mask = np.zeros((battles, N_ACTIONS), bool)
    mask[:, :2] = True
    return table(
        state=rng.normal(size=(battles, 4)).astype(np.float32) * 0.1,
        action=action,
        mask=mask,
        reward=reward,
        battle=np.arange(battles),
        turn=np.ones(battles),
        done=np.ones(battles, bool),
        won=reward > 0,
    )


def write(directory: Path, decisions: Decisions, shards: int = 2) -> Path:
    """`decisions` as a dataset on disk, split into `shards` shards by battle."""
    directory.mkdir(parents=True)
    manifest = dataset.Manifest(query={"synthetic": True}, agents=list(decisions.agents))
    battles = np.unique(decisions.battle)
    for k, part_battles in enumerate(np.array_split(battles, shards)):
        part = decisions.take(np.isin(decisions.battle, part_battles))
        name = f"shard-{k:05d}.npz"
        sha = dataset.write_shard(directory / name, part)
        manifest.shards.append(
            {"file": name, "sha256": sha, "decisions": len(part), "battles": len(part_battles)}
        )
        manifest.battles.extend(int(b) for b in part_battles)
    dataset.write_manifest(directory, manifest)
    return directory
