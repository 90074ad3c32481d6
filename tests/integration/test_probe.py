"""`arena probe` as a user runs it: scores per theme as CSV, bad input in one line."""

import csv

from tests.conftest import run_arena


def test_probe_writes_each_agents_score_per_theme_and_overall():
    done = run_arena("probe", "grunt", "random", "--csv", "-")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert {r["agent"] for r in rows} == {"grunt", "random"}
    overall = {r["agent"]: int(r["right"]) for r in rows if r["theme"] == "all"}
    themes = [r for r in rows if r["agent"] == "grunt" and r["theme"] != "all"]
    assert overall["grunt"] == sum(int(r["right"]) for r in themes)
    assert overall["grunt"] > overall["random"]


def test_a_missing_suite_or_unknown_agent_is_one_line_and_exit_2(tmp_path):
    for args, message in [
        (["probe", "grunt", "--suite", str(tmp_path / "none.yaml")], "no suite file"),
        (["probe", "nobody"], "unknown agent 'nobody'"),
    ]:
        done = run_arena(*args)
        assert done.returncode == 2
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
