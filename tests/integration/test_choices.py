"""Decision records: every order arena sends is stored with its action slot, on real games."""

import dataclasses
from pathlib import Path

import pytest
from poke_env.player import Player, SingleBattleOrder

from arena.game.choices import NOT_A_SLOT, Choice
from arena.game.teams import load_pool
from arena.matchmaking.schedule import build
from arena.matchmaking.tournament import TournamentConfig, TournamentRun
from arena.models.neural.actions import actions
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import HEURISTICS, AgentSpec, resolve
from arena.rating.live import LiveRatings
from arena.store.database import Store
from arena.store.tables import decode_choices


class DecisionWitness(Player):
    """Notes what each decision offered, seen from inside the agent, before it chooses."""

    seen: dict[tuple[str, str], list] = {}

    def choose_move(self, battle):
        legal = actions(battle)
        slot_orders = [SingleBattleOrder(t).message if t else None for t in legal.slots]
        self.seen.setdefault((battle.battle_tag, battle.player_role), []).append(
            {
                "rqid": battle.last_request.get("rqid"),
                "turn": battle.turn,
                "mask": legal.mask.copy(),
                "slot_orders": slot_orders,
                "valid": {order.message for order in battle.valid_orders},
                "forced_switch": bool(battle.force_switch),
            }
        )
        return super().choose_move(battle)


def witnessed(spec: AgentSpec) -> AgentSpec:
    cls = type(f"Witnessed{spec.player_class.__name__}", (DecisionWitness, spec.player_class), {})
    return dataclasses.replace(spec, player_class=cls)


def _config(agents, **settings) -> TournamentConfig:
    base = dict(
        name="records",
        agents=tuple(agents),
        format="gen1ou",
        games_per_pair=2,
        mode="round-robin",
        candidate=None,
        concurrency=8,
        seed=5,
    )
    return TournamentConfig.from_json({**base, **settings})


async def _play_ring(server, db: str, specs: dict[str, AgentSpec], **settings) -> Store:
    """Each agent against the next one in the list, one side-swapped pair each."""
    names = list(specs)
    ring = [(a, b) for a, b in zip(names, names[1:] + names[:1], strict=True)]
    config = _config(names, **settings)
    _, pool = load_pool(config.play.format, None)
    store = Store.open(db)
    tournament = store.create_tournament(config.name, config.to_json())
    slots = build(ring, config.games_per_pair, pool, config.play.seed)
    run = TournamentRun(config, tournament.id, specs, slots, store, LiveRatings())
    await run.play(server.websocket_url)
    assert run.progress.done == len(slots)
    return store


def _sides(store: Store):
    """(battle, side prefix, its decoded records) for every stored battle and side."""
    for listed in store.battles():
        battle = store.battle(listed.id)
        for prefix in ("p1", "p2"):
            yield battle, prefix, decode_choices(getattr(battle, f"{prefix}_choices"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ckpts") / "run1" / "policy_epoch_0.pt"
    initialise(PolicyConfig.sized("tiny"), seed=2).save(path)
    return path


async def test_every_decision_of_every_agent_kind_is_recorded_with_a_legal_slot(
    server, tmp_path, checkpoint
):
    agents = [*HEURISTICS, "tests.user_bots:FirstLegalPlayer", str(checkpoint)]
    specs = {spec.name: witnessed(spec) for spec in map(resolve, agents)}
    assert {spec.kind for spec in specs.values()} == {"builtin", "import", "checkpoint"}
    DecisionWitness.seen.clear()
    store = await _play_ring(server, f"sqlite:///{tmp_path / 'records.db'}", specs)
    names = store.agent_names()
    decisions_by_agent = dict.fromkeys(specs, 0)
    for battle, prefix, choices in _sides(store):
        assert getattr(battle, f"{prefix}_invalid") == 0
        assert len(choices) == getattr(battle, f"{prefix}_decisions") > 0
        offered = DecisionWitness.seen[(battle.battle_tag, prefix)]
        assert len(offered) == len(choices)
        for choice, seen in zip(choices, offered, strict=True):
            assert isinstance(choice, Choice)
            assert (choice.rqid, choice.turn) == (seen["rqid"], seen["turn"])
            assert choice.rqid is not None and not choice.fallback
            assert choice.slot != NOT_A_SLOT and seen["mask"][choice.slot], choice
            assert seen["slot_orders"][choice.slot] == choice.order
            assert choice.order in seen["valid"]
            assert choice.n_legal == seen["mask"].sum()
            assert choice.forced_switch == seen["forced_switch"]
        decisions_by_agent[names[getattr(battle, f"{prefix}_agent_id")]] += len(choices)
    assert all(decisions_by_agent.values()), decisions_by_agent
    forced = [c for _, _, choices in _sides(store) for c in choices if c.forced_switch]
    assert forced and all(c.slot >= 4 for c in forced)


async def test_fallbacks_are_flagged_for_a_bot_that_raises_or_runs_out_of_time(server, tmp_path):
    agents = ["tests.user_bots:RaisingPlayer", "tests.user_bots:SleepyPlayer", "random"]
    specs = {spec.name: spec for spec in map(resolve, agents)}
    db = f"sqlite:///{tmp_path / 'fallbacks.db'}"
    store = await _play_ring(server, db, specs, decision_timeout=0.3, max_failures=3)
    names = store.agent_names()
    failing = {"tests.user_bots:RaisingPlayer", "tests.user_bots:SleepyPlayer"}
    for battle, prefix, choices in _sides(store):
        agent = names[getattr(battle, f"{prefix}_agent_id")]
        failures = getattr(battle, f"{prefix}_errors") + getattr(battle, f"{prefix}_timeouts")
        assert len(choices) == getattr(battle, f"{prefix}_decisions")
        assert sum(c.fallback for c in choices) == failures
        if agent in failing:
            assert choices and all(c.fallback for c in choices)
            assert {c.order for c in choices} == {"/choose default"}
            assert {c.slot for c in choices} == {NOT_A_SLOT}
        else:
            assert not any(c.fallback for c in choices)
