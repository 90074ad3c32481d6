"""`arena behaviour` on a short real tournament: profiles from the stored battles, their
choices read from records agreeing with the protocol, and profiles of games it plays."""

import json
import math

import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.report.behaviour import ROLES, judge_log, profile
from arena.store.database import Store
from arena.store.tables import decode_choices, decompress_log
from tests.conftest import run_arena


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('behaviour') / 'arena.db'}"
    result = run_arena(
        "tournament", "--agents", "gym-leader,random", "--games-per-pair", "4", "--name", "t",
        "--db", db,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


def test_profiles_of_two_agents_and_their_differences(played):
    result = run_arena("behaviour", "gym-leader", "random", "--db", played, "--json", "-")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    leader = [r for r in rows if r["agent"] == "gym-leader"]
    rival = [r for r in rows if r["agent"] == "random"]
    assert len(leader) == len(rival) > 10
    assert sum(r["n"] for r in leader) > 0
    for row in rows:
        assert 0 <= row["count"] <= row["n"]
        if row["n"]:
            assert row["low"] <= row["rate"] <= row["high"]
    assert all(r["versus"] == "" and r["difference"] is None for r in leader)
    met = [r for r in rival if r["difference"] is not None]
    assert met and all(r["versus"] == "gym-leader" for r in met)
    every = {r["behaviour"]: r for r in leader if r["situation"] == "every decision"}
    decisions = every["falls back to the default"]["n"]
    assert decisions == every["sends an invalid choice"]["n"] > 0
    table = CliRunner().invoke(app, ["behaviour", "gym-leader", "random", "--db", played])
    assert table.exit_code == 0 and "random − gym-leader" in table.stdout, table.output


def test_recorded_choices_are_the_ones_the_protocol_shows(played):
    """Every choice the protocol reveals is the one the decision record names, read
    against the replayed state: records and inference describe the same games."""
    store = Store.open(played, readonly=True)
    leader = next(i for i, name in store.agent_names().items() if name == "gym-leader")
    compared = 0
    for stored in store.battles_of(leader):
        for role in ROLES:
            log = decompress_log(getattr(stored, f"{role}_log"))
            records = decode_choices(getattr(stored, f"{role}_choices"))
            assert records is not None
            recorded = list(judge_log(log, stored.format, records))
            shown = list(judge_log(log, stored.format, None))
            assert [d.situations for d in recorded] == [d.situations for d in shown]
            for r, s in zip(recorded, shown, strict=True):
                if s.chosen is not None:
                    assert r.chosen == s.chosen
                    compared += 1
    assert compared > 50


def test_the_same_numbers_through_the_function_and_the_command(played):
    store = Store.open(played, readonly=True)
    found = profile(store, "gym-leader", battles=4)
    assert found.battles == 4
    result = run_arena("behaviour", "gym-leader", "--battles", "4", "--db", played, "--csv", "-")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("agent,situation,behaviour,count,n,rate,low,high")
    knock_out = found.rate("KO available")
    (line,) = [x for x in lines if x.startswith("gym-leader,KO available,")]
    assert line.split(",")[3:5] == [str(knock_out.count), str(knock_out.n)]


def test_playing_games_first_profiles_those_games(tmp_path):
    db = f"sqlite:///{tmp_path / 'arena.db'}"
    result = run_arena(
        "behaviour", "max-power", "--games", "2", "--opponents", "random", "--db", db, "--json",
        "-",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["agent"] for r in rows} == {"max-power"}
    store = Store.open(db, readonly=True)
    assert len(store.battles()) == 2
    every = [r for r in rows if r["situation"] == "every decision"]
    assert all(r["n"] > 0 for r in every)
    assert not any(math.isnan(r["rate"]) for r in every)


def test_mistakes_are_one_line(played):
    for args in (
        ("behaviour", "nobody", "--db", played),
        ("behaviour", "grunt", "--games", "2", "--db", played),
        ("behaviour", "grunt", "--games", "3", "--opponents", "random", "--db", played),
        ("behaviour", "gym-leader", "--tournament", "nope", "--db", played),
    ):
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 2 and result.stdout == "", args
        assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
