"""A replayed log gives each decision exactly the observation the live player had."""

import dataclasses

import numpy as np
from poke_env.player import Player

from arena.game.teams import load_pool
from arena.matchmaking.schedule import build
from arena.matchmaking.tournament import TournamentConfig, TournamentRun
from arena.models.neural.actions import actions
from arena.models.neural.features import encode
from arena.models.registry import resolve
from arena.rating.live import LiveRatings
from arena.store.database import Store
from arena.store.tables import decompress_log
from arena.training.data.protocol import replay


class ObservationWitness(Player):
    """Notes the observation and mask of each decision, from inside the agent."""

    seen: dict[tuple[str, str], list] = {}

    def choose_move(self, battle):
        self.seen.setdefault((battle.battle_tag, battle.player_role), []).append(
            (battle.last_request.get("rqid"), battle.turn, encode(battle), actions(battle).mask)
        )
        return super().choose_move(battle)


def _witnessed(name: str):
    spec = resolve(name)
    cls = type(
        f"Witnessed{spec.player_class.__name__}", (ObservationWitness, spec.player_class), {}
    )
    return dataclasses.replace(spec, player_class=cls)


async def test_replay_rebuilds_every_observation_the_player_saw(server, tmp_path):
    names = ["random", "grunt", "gym-leader"]
    specs = {name: _witnessed(name) for name in names}
    config = TournamentConfig.from_json(
        dict(
            name="witness",
            agents=tuple(names),
            format="gen1ou",
            games_per_pair=2,
            mode="round-robin",
            candidate=None,
            concurrency=6,
            seed=11,
        )
    )
    _, pool = load_pool(config.play.format, None)
    store = Store.open(f"sqlite:///{tmp_path / 'witness.db'}")
    tournament = store.create_tournament(config.name, config.to_json())
    pairings = [(a, b) for k, a in enumerate(names) for b in names[k + 1 :]]
    slots = build(pairings, config.games_per_pair, pool, config.play.seed)
    ObservationWitness.seen.clear()
    await TournamentRun(config, tournament.id, specs, slots, store, LiveRatings()).play(
        server.websocket_url
    )
    compared = 0
    for listed in store.battles():
        battle = store.battle(listed.id)
        for role in ("p1", "p2"):
            live = ObservationWitness.seen[(battle.battle_tag, role)]
            steps = replay(decompress_log(getattr(battle, f"{role}_log")), role, battle.format)
            assert [(s.rqid, s.turn) for s in steps] == [(r, t) for r, t, _, _ in live]
            for step, (_, _, observation, mask) in zip(steps, live, strict=True):
                np.testing.assert_array_equal(step.actions.mask, mask)
                for name, value in vars(observation).items():
                    np.testing.assert_array_equal(getattr(step.observation, name), value, name)
                compared += 1
    assert compared > 100
