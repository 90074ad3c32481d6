"""The in-memory decision table: joins keep agents straight, splits keep battles whole."""

import numpy as np

from arena.training.data.decisions import COMPONENTS, Decisions


def _decisions(battles: list[int], agents: list[str], agent: list[int]) -> Decisions:
    n = len(battles)
    return Decisions(
        observations={"globals": np.arange(n, dtype=np.float32)[:, None]},
        action=np.zeros(n, dtype=np.int64),
        mask=np.ones((n, 9), dtype=bool),
        components=np.zeros((n, len(COMPONENTS)), dtype=np.float32),
        done=np.zeros(n, dtype=bool),
        battle=np.array(battles, dtype=np.int64),
        side=np.zeros(n, dtype=np.int8),
        turn=np.arange(n, dtype=np.int32),
        agent=np.array(agent, dtype=np.int32),
        fallback=np.zeros(n, dtype=bool),
        agents=agents,
    )


def test_concat_remaps_agents_onto_the_union_of_names():
    first = _decisions([1, 1], ["zeta", "alpha"], [0, 1])
    second = _decisions([2], ["beta"], [0])
    joined = Decisions.concat([first, second])
    assert joined.agents == ["alpha", "beta", "zeta"]
    assert [joined.agents[k] for k in joined.agent] == ["zeta", "alpha", "beta"]
    assert joined.observations["globals"][:, 0].tolist() == [0, 1, 0]


def test_split_by_battle_never_cuts_a_battle():
    battles = [b for b in range(20) for _ in range(5)]
    table = _decisions(battles, ["a"], [0] * len(battles))
    train, held = table.split_by_battle(0.2, seed=3)
    assert len(train) + len(held) == len(table)
    assert set(train.battle.tolist()).isdisjoint(held.battle.tolist())
    assert len(set(held.battle.tolist())) == 4
