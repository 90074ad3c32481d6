"""`arena promote`'s options: the gate's flags are explained and mean what `arena
evaluate`'s mean."""

import pytest

from arena.cli import every_command


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def test_gate_options_are_explained_and_mean_what_evaluate_means():
    commands = {c.name: c for c in every_command().commands.values()}
    options = {
        name: {p.name: p for p in commands[name].params if p.param_type_name == "option"}
        for name in ("evaluate", "promote", "loop", "lineage")
    }
    for name in ("promote", "loop", "lineage"):
        assert [o for o, option in options[name].items() if not option.help] == [], name
    shared = set(options["evaluate"]) & set(options["promote"])
    assert {"elo0", "elo1", "alpha", "beta", "max_pairs", "opponents", "server"} <= shared
    for option in shared - {"name"}:  # promote's name has a default of its own
        assert options["evaluate"][option].help == options["promote"][option].help, option
    for option in ("elo0", "elo1", "alpha", "beta", "max_pairs", "games_per_pair"):
        assert options["loop"][option].help == options["promote"][option].help, option
