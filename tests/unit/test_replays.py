"""Showdown replays in: files read and refused, stored one transaction each, kept out of
arena's own selections, and turned back into each player's view of the battle."""

import json
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from arena.kinds import TournamentKind
from arena.models.neural.features import HP, N_OWN
from arena.store.database import Store
from arena.store.tables import Agent, Battle, Replay, Tournament
from arena.training.data.action_inference import infer
from arena.training.data.build import Query, build
from arena.training.data.dataset import load_one, read_manifest
from arena.training.data.protocol import replay
from arena.training.data.replay_files import BadReplay, read
from arena.training.data.replay_sets import complete, read_pool
from arena.training.data.replay_view import revealed, side_log, spectator_log
from arena.training.data.replays import import_files, player_log

DATA = Path(__file__).parents[1] / "data"
FIXTURE = DATA / "replays" / "gen1ou-arena1.json"
LOGS = {
    role: (DATA / f"gen1ou-gym-leader-vs-max-power-{role}.log").read_text() for role in ("p1", "p2")
}
POOL = Path(__file__).parents[2] / "config" / "teams" / "gen1ou"


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 'arena.db'}")


def _variant(tmp_path: Path, name: str, **change) -> Path:
    data = json.loads(FIXTURE.read_text()) | change
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_the_fixture_is_the_spectator_log_of_the_shipped_battle():
    shipped = json.loads(FIXTURE.read_text())["log"].rstrip("\n").split("\n")
    assert shipped == spectator_log(LOGS["p1"], LOGS["p2"])


def test_a_spectator_sees_each_side_in_percent():
    lines = spectator_log(LOGS["p1"], LOGS["p2"])
    assert "|switch|p1a: Alakazam|Alakazam|100/100" in lines
    assert not any(line.startswith("|request|") for line in lines)


@pytest.mark.parametrize("role", ["p1", "p2"])
def test_each_players_view_encodes_as_its_own_log_did(role):
    """Every decision is found again, with the same legal actions, the same inferred
    choice and the same features; only the player's own HP is to the percent."""
    lines = spectator_log(LOGS["p1"], LOGS["p2"])
    view = player_log("\n".join(lines), role, "gen1ou", str(POOL))
    played, seen = replay(LOGS[role], role, "gen1ou"), replay(view, role, "gen1ou")
    assert len(seen) == len(played) > 20
    for a, b in zip(played, seen, strict=True):
        assert (a.turn, a.forced_switch) == (b.turn, b.forced_switch)
        assert np.array_equal(a.actions.mask, b.actions.mask)
        assert infer(a, role) == infer(b, role)
        for name, value in vars(a.observation).items():
            other = getattr(b.observation, name)
            if name == "pokemon":
                assert np.abs(value[:N_OWN, HP] - other[:N_OWN, HP]).max() <= 0.01
                value, other = value.copy(), other.copy()
                value[:N_OWN, HP] = other[:N_OWN, HP] = 0
            assert np.array_equal(value, other), name
        assert np.allclose(a.components, b.components, atol=0.02)


def test_own_sets_come_from_the_consistent_pool_team_and_are_marked():
    lines = spectator_log(LOGS["p1"], LOGS["p2"])
    seen = {r.species: r for r in revealed(lines, "p1")}
    sets = complete(list(seen.values()), read_pool(POOL), gen=1)
    assert len(sets) == 6 and sets[0].species == "Alakazam"  # the lead leads
    assert set(seen) <= {s.species for s in sets}
    for own in sets:
        shown = seen.get(own.species)
        assert shown is None or set(shown.moves) <= set(own.moves)
        assert own.inferred == (shown is None or set(shown.moves) != set(own.moves))
    assert sets[0].stats == {"hp": 313, "atk": 198, "def": 188, "spa": 368, "spd": 368, "spe": 338}


def test_without_a_consistent_team_only_what_was_revealed_is_known():
    lines = spectator_log(LOGS["p1"], LOGS["p2"])
    seen = revealed(lines, "p1")
    sets = complete(seen, [], gen=1)
    assert [s.moves for s in sets] == [r.moves for r in seen]
    assert all(s.inferred for s in sets)
    view = side_log(lines, "p1", "gymleader-1aea95", sets, 1)
    assert len(replay(view, "p1", "gen1ou")) == len(replay(LOGS["p1"], "p1", "gen1ou"))


def test_a_whole_replay_reads_with_what_the_site_says():
    record = read(FIXTURE, "gen1ou")
    assert record.replay_id == "gen1ou-arena1"
    assert record.players == ("gymleader-1aea95", "maxpower-c3d1ab")
    assert record.rating == 1512 and record.uploaded_at.year == 2026
    assert record.winner is not None and record.turns > 10


def test_a_plain_log_file_reads_too(tmp_path):
    path = tmp_path / "gen1ou-42.log"
    path.write_text(json.loads(FIXTURE.read_text())["log"])
    record = read(path)
    assert (record.replay_id, record.format, record.rating) == ("gen1ou-42", "gen1ou", None)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"log": "|j|someone\n|player|p1|a|1|\n"}, "malformed"),
        ({"id": ""}, "malformed"),
        ({"formatid": "gen2ou"}, "another format"),
    ],
)
def test_a_file_that_is_no_whole_replay_says_why(tmp_path, change, reason):
    with pytest.raises(BadReplay) as refused:
        read(_variant(tmp_path, "bad.json", **change), "gen1ou")
    assert refused.value.reason.startswith(reason)


def test_a_replay_without_its_end_is_truncated(tmp_path):
    log = json.loads(FIXTURE.read_text())["log"]
    cut = log[: log.index("|turn|10")]
    with pytest.raises(BadReplay, match="truncated"):
        read(_variant(tmp_path, "cut.json", log=cut))
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(BadReplay, match="malformed"):
        read(tmp_path / "junk.json")


def test_a_players_own_log_is_not_a_replay(tmp_path):
    path = tmp_path / "p1.log"
    path.write_text(LOGS["p1"])
    with pytest.raises(BadReplay, match="player's log"):
        read(path)


def _rows(store: Store, table) -> int:
    with store.session() as session:
        return len(session.exec(select(table)).all())


def test_an_import_stores_each_replay_once_and_counts_the_rest(store, tmp_path):
    bad = _variant(tmp_path, "other.json", id="gen2ou-1", formatid="gen2ou")
    first = import_files(store, [FIXTURE, FIXTURE, bad], "gen1ou")
    assert first.stored == 1
    assert first.counts == {"duplicate": 1, "another format": 1}
    assert [_rows(store, t) for t in (Battle, Replay, Agent, Tournament)] == [1, 1, 2, 1]
    again = import_files(store, [FIXTURE])
    assert (again.stored, again.counts) == (0, {"duplicate": 1})
    assert _rows(store, Battle) == 1


def test_a_refused_replay_leaves_nothing_behind(store, tmp_path, monkeypatch):
    """One transaction per replay: a failure after the battle row leaves no row at all."""

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("arena.store.replays.Replay", fail)
    with pytest.raises(RuntimeError):
        import_files(store, [FIXTURE])
    assert [_rows(store, t) for t in (Battle, Agent, Tournament)] == [0, 0, 0]


def test_replays_stay_out_of_every_tournament_selection_unless_named(store):
    import_files(store, [FIXTURE])
    assert store.battles() == []
    tournament = store.tournament("replays")
    assert tournament.kind == TournamentKind.REPLAY
    assert len(store.battles([tournament.id])) == 1


def test_a_build_of_replays_holds_both_players_decisions(store, tmp_path):
    import_files(store, [FIXTURE])
    db = str(store.engine.url)
    out = tmp_path / "data"
    built = build(out, Query(replays=True, teams=str(POOL)), db=db)
    table = load_one(out)
    assert built.added_battles == 1
    assert set(table.side.tolist()) == {0, 1}
    assert len(table) == len(replay(LOGS["p1"], "p1", "gen1ou")) + len(
        replay(LOGS["p2"], "p2", "gen1ou")
    )
    assert not table.fallback.any()
    marked = read_manifest(out).inferred[str(built_id(store))]
    assert "Chansey" in marked["p1"]  # it used one of its four moves: the pool has the rest
    assert "Alakazam" in marked["p1"]  # two of its four moves never used
    with pytest.raises(Exception, match="no stored battle"):
        build(tmp_path / "rated", Query(replays=True, min_rating=1600), db=db)
    with pytest.raises(Exception, match="no stored battle"):
        build(tmp_path / "none", Query(), db=db)


def built_id(store: Store) -> int:
    return store.battles([store.tournament("replays").id])[0].id


def test_an_old_selection_reads_as_it_did():
    assert set(Query().as_json()) == {
        "tournaments",
        "agents",
        "format",
        "winners_only",
        "min_elo",
        "exclude_fallbacks",
        "include_ladder",
    }
