"""One create-or-check for every stored run: a rerun finds its row, a changed one is refused."""

import pytest

from arena.errors import ArenaError
from arena.kinds import TournamentKind
from arena.store.database import Store
from arena.store.tables import Evaluation

RETRY = "rerun it as it was, or use a new --name"


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 'arena.db'}")


def _same(stored: dict) -> list[str]:
    return []


def test_a_rerun_finds_the_row_it_made(store):
    kind = TournamentKind.SELFPLAY
    made = store.create_or_check(kind, "sp", {"seed": 1}, _same, RETRY)
    again = store.create_or_check(kind, "sp", {"seed": 1}, _same, RETRY)
    assert again.id == made.id
    assert store.tournament("sp").kind == kind


def test_other_settings_are_named_with_the_way_out(store):
    store.create_or_check(TournamentKind.TOURNAMENT, "t", {"seed": 1}, _same, RETRY)
    with pytest.raises(ArenaError, match=r"^tournament 't' exists with other seed: rerun it as"):
        store.create_or_check(
            TournamentKind.TOURNAMENT,
            "t",
            {"seed": 2},
            lambda stored: [] if stored["seed"] == 2 else ["seed"],
            RETRY,
        )


def test_a_tournament_of_another_kind_is_refused(store):
    store.create_or_check(TournamentKind.SELFPLAY, "x", {}, _same, RETRY)
    with pytest.raises(ArenaError, match="'x' is a stored self-play run"):
        store.create_or_check(TournamentKind.TOURNAMENT, "x", {}, _same, RETRY)


def test_another_table_is_made_by_its_own_create(store):
    def create():
        return store.create_evaluation("e", {"seed": 1})

    made = store.create_or_check(
        TournamentKind.EVALUATION, "e", {"seed": 1}, _same, RETRY, row=Evaluation, create=create
    )
    again = store.create_or_check(
        TournamentKind.EVALUATION, "e", {"seed": 1}, _same, RETRY, row=Evaluation, create=create
    )
    assert isinstance(made, Evaluation) and again.id == made.id
    assert store.tournament("evaluation:e").kind == TournamentKind.EVALUATION
