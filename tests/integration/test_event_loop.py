"""Nothing that can block runs on the event loop: a real tournament's store writes leave
it, and land in order."""

import threading

from arena.matchmaking.schedule import build, pairings
from arena.matchmaking.tournament import TournamentConfig, TournamentRun
from arena.models.registry import resolve
from arena.rating.live import LiveRatings
from arena.store.database import Store

AGENTS = ("random", "max-power")


def _run(store: Store, games_per_pair: int) -> TournamentRun:
    config = TournamentConfig.from_json(
        dict(
            name="off-loop",
            agents=AGENTS,
            format="gen1randombattle",
            games_per_pair=games_per_pair,
            mode="round-robin",
            candidate=None,
            concurrency=4,
            seed=0,
        )
    )
    tournament = store.create_tournament(config.name, config.to_json())
    slots = build(pairings(list(AGENTS), "round-robin", None), games_per_pair, None, 0)
    specs = {name: resolve(name) for name in AGENTS}
    return TournamentRun(config, tournament.id, specs, slots, store, LiveRatings())


async def test_tournament_writes_leave_the_loop_in_order(server, tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'writes.db'}")
    run = _run(store, 8)
    loop_thread = threading.current_thread()
    writes = []
    record_battle = store.record_battle

    def watched(*args, **kwargs):
        writes.append((threading.current_thread(), args[4].battle_tag))
        return record_battle(*args, **kwargs)

    store.record_battle = watched
    await run.play(server.websocket_url)
    assert len(writes) == 8 and run.progress.done == 8
    assert all(thread is not loop_thread for thread, _ in writes)
    stored = [b.battle_tag for b in sorted(store.battles([run.tournament_id]), key=lambda b: b.id)]
    assert stored == [tag for _, tag in writes]
