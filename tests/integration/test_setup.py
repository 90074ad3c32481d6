"""One set-up for every tournament: the field checked before the store is opened, the
row made once and resumed after, under the kind the command stores it as."""

import pytest

from arena.errors import ArenaError
from arena.kinds import TournamentKind
from arena.matchmaking.setup import tournament_run
from arena.matchmaking.tournament import TournamentConfig
from arena.store.database import Store


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 'arena.db'}")


def _config(**changes) -> TournamentConfig:
    values = dict(
        name="rr",
        agents=("random", "max-power", "grunt"),
        format="gen1ou",
        games_per_pair=2,
        mode="round-robin",
        candidate=None,
        concurrency=1,
        seed=0,
    )
    return TournamentConfig.from_json({**values, **changes})


def test_a_tournament_is_set_up_once_and_resumed(store):
    run = tournament_run(_config(), lambda: store)
    assert run.progress.total == 6 and len(run.pending) == 6
    again = tournament_run(_config(concurrency=4), lambda: store)
    assert again.tournament_id == run.tournament_id
    with pytest.raises(ArenaError, match="exists with other seed"):
        tournament_run(_config(seed=1), lambda: store)


def test_a_gauntlet_plays_its_candidate_against_each_other_agent(store):
    config = _config(mode="gauntlet", candidate="grunt")
    run = tournament_run(config, lambda: store, TournamentKind.EPOCH_GAUNTLET)
    assert {frozenset((slot.a, slot.b)) for slot in run.pending} == {
        frozenset(("grunt", "random")),
        frozenset(("grunt", "max-power")),
    }
    assert store.tournament("rr").kind == TournamentKind.EPOCH_GAUNTLET


def test_a_mistyped_field_stores_nothing():
    def never() -> Store:
        raise AssertionError("the store was opened for a bad field")

    with pytest.raises(ArenaError, match="needs --candidate"):
        tournament_run(_config(mode="gauntlet"), never)
