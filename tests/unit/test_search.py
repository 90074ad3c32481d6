"""The search agent's pure parts: its specs, the determiniser's samples, where its rungs
stand in the saturation alarm and on the board."""

import random

import pytest

from arena.errors import ArenaError
from arena.gate.alarms import GauntletRow, gauntlet_alarms
from arena.ladder.board import default_pool
from arena.models.heuristics.determinise import Determiniser, KnownSet, Sighting, parse_team
from arena.models.registry import SEARCH_DEFAULT, UnknownAgent, check_game_type, resolve
from arena.rating.stats import wilson
from arena.showdown.search import default_workers
from arena.showdown.validator import FormatInfo
from arena.training.learn.gauntlet import EvalSettings
from arena.training.learn.run import RunOptions, check_options

# -- specs ------------------------------------------------------------------------------


def test_search_specs_name_their_strength():
    assert resolve("search").player_class.iterations == SEARCH_DEFAULT
    assert resolve("search:16").player_class.iterations == 16
    assert resolve("search").identity == resolve(f"search:{SEARCH_DEFAULT}").identity
    assert resolve("search:16").identity != resolve("search:17").identity
    assert resolve(resolve("search:16").import_path).player_class.iterations == 16


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("search:0", "at least 1"),
        ("search:abc", "whole number"),
        ("search:-4", "whole number"),
        ("search:", "whole number"),
        ("search:64@missing.pt", "missing.pt does not exist"),
    ],
)
def test_bad_search_specs_are_one_line(spec, message):
    with pytest.raises(UnknownAgent, match=message) as error:
        resolve(spec)
    assert "\n" not in str(error.value)


def test_the_search_plays_singles_only():
    doubles = FormatInfo("gen9randomdoublesbattle", "Doubles", False, "doubles")
    with pytest.raises(ArenaError, match="search:8 plays singles only"):
        check_game_type(resolve("search:8"), doubles, "gen9randomdoublesbattle")
    check_game_type(resolve("search:8"), FormatInfo("gen1ou", "OU", True), "gen1ou")


def test_workers_are_sized_to_the_cores():
    assert [default_workers(cores) for cores in (1, 2, 4, 16)] == [1, 1, 3, 15]


# -- the determiniser ---------------------------------------------------------------------


def test_samples_keep_what_was_seen_when_no_pool_set_agrees():
    shipped = Determiniser.for_format("gen1ou", 1)
    seen = [Sighting("tauros", 100, frozenset({"fireblast", "stomp"}))]
    assert not any(seen[0].agrees(s) for s in shipped.sets), "an off-pool set"
    rng = random.Random(3)
    for _ in range(20):
        world = shipped.sample(seen, 6, rng)
        assert len(world) == 6
        assert world[0].species == "tauros" and {"fireblast", "stomp"} <= set(world[0].moves)
        assert len(world[0].moves) == 4
        assert len({s.species for s in world}) == 6, "no species twice"


def test_samples_follow_the_pool_team_that_agrees():
    team = (KnownSet("tauros", ("bodyslam", "hyperbeam")), KnownSet("chansey", ("softboiled",)))
    other = (KnownSet("tauros", ("blizzard",)), KnownSet("snorlax", ("rest",)))
    rng = random.Random(0)
    seen = [Sighting("tauros", 100, frozenset({"hyperbeam"}))]
    for _ in range(10):
        assert Determiniser((team, other), 1).sample(seen, 2, rng) == list(team)


def test_a_format_without_a_pool_samples_legal_sets():
    rng = random.Random(1)
    world = Determiniser((), 1).sample([Sighting("snorlax", 100, frozenset())], 3, rng)
    assert [s.species for s in world][:1] == ["snorlax"] and len(world) == 3
    assert all(1 <= len(s.moves) <= 4 for s in world)


def test_export_teams_parse_as_ids():
    (mon,) = parse_team("Mr. Mime\n- Thunder Wave\n- Psychic\n")
    assert (mon.species, mon.moves, mon.level) == ("mrmime", ("thunderwave", "psychic"), 100)


# -- wiring -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opponent", "playing", "harder"),
    [
        ("gym-leader", (), "search:16"),
        ("gym-leader", ("search:16",), "search:64"),
        ("search:16", (), "search:64"),
        ("search", (), "search:256"),  # search is search:64
        ("search:100", (), "search:256"),
        ("search:256", (), "search:1024"),
        ("search:4096", ("search:256",), "search:16384"),
    ],
)
def test_saturation_names_the_next_search_rung(opponent, playing, harder):
    rate, low, high = 0.99, *wilson(99, 100)
    row = GauntletRow(opponent, 100, rate, low, high, 100, rate, low, high)
    (alarm,) = gauntlet_alarms([row], ("cand", "inc", opponent, *playing))
    assert alarm.kind == "saturation"
    assert f"add a harder opponent such as {harder}" in alarm.message


def test_the_board_keeps_search_rungs_laddering():
    assert {"search:16", "search:64", "search:256"} <= set(default_pool())


def test_the_trainer_refuses_a_bad_gauntlet_opponent_before_it_trains():
    options = RunOptions(data=(), out="run", eval=EvalSettings(opponents=("search:0",)))
    with pytest.raises(UnknownAgent, match="at least 1"):
        check_options(options)
    check_options(RunOptions(data=(), out="run", eval=EvalSettings(opponents=("search:16",))))
