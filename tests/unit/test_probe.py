"""Position suites: the shipped suite replays to its positions, answers are scored by the
suite's acceptable choices, and a broken suite file is one line."""

import shutil

import pytest
from poke_env.data import to_id_str
from poke_env.player import Player

from arena.errors import ArenaError
from arena.models.registry import resolve
from arena.report import probe


class FirstMove(Player):
    """Always the first available move, else the first switch: a fixed, known choice."""

    def choose_move(self, battle):
        options = battle.available_moves or battle.available_switches
        return self.create_order(options[0])


@pytest.fixture(scope="module")
def suite():
    return probe.load_suite(probe.SHIPPED_SUITE)


def test_the_shipped_suite_has_thirty_positions_in_five_themes(suite):
    assert len(suite.positions) >= 30
    assert suite.themes == [
        "lost-recovery",
        "free-ko",
        "forced-switch",
        "sleep-freeze",
        "partial-trapping",
    ]


def test_every_position_replays_to_its_turn_and_its_answers_are_legal_and_not_all(suite):
    for position in suite.positions:
        battle = probe.battle_at(position, suite.format)
        legal = set(probe.legal_choices(battle))
        assert battle.turn == position.turn, position.id
        assert position.acceptable <= legal, position.id
        assert position.acceptable != legal, f"{position.id}: every choice is right"


def test_an_answer_is_right_exactly_when_the_suite_accepts_it(suite):
    agent = resolve("tests.unit.test_probe:FirstMove")
    answers = probe.probe(agent, suite)
    for answer in answers:
        battle = probe.battle_at(answer.position, suite.format)
        options = battle.available_moves or battle.available_switches
        first = probe.legal_choices(battle)[0] if battle.available_moves else None
        assert answer.choice == (first or f"switch {to_id_str(options[0].species)}")
        assert answer.right == (answer.choice in answer.position.acceptable)


def test_scores_count_right_answers_per_theme_and_overall(suite):
    a, b, c = suite.positions[0], suite.positions[1], suite.positions[-1]
    answers = [
        probe.Answer(a, sorted(a.acceptable)[0]),
        probe.Answer(b, "move nothing-acceptable"),
        probe.Answer(c, sorted(c.acceptable)[0]),
    ]
    scores = {s.theme: (s.right, s.total) for s in probe.scores(answers, [a.theme, c.theme])}
    assert scores == {a.theme: (1, 2), c.theme: (1, 1), "all": (2, 3)}


def test_a_heuristic_takes_most_free_knock_outs_and_random_does_not(suite):
    free = probe.Suite(
        "free", suite.format, tuple(p for p in suite.positions if p.theme == "free-ko")
    )
    grunt = sum(a.right for a in probe.probe(resolve("grunt"), free))
    assert grunt >= len(free.positions) - 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("  reason:", "  why:", 1), "lacks reason"),
        (lambda text: text.replace(".log.gz", ".missing.gz", 1), "no log file"),
        (lambda text: "positions: [", "not YAML"),
        (lambda text: "format: gen1ou\n", "needs `format` and a list of `positions`"),
    ],
)
def test_a_broken_suite_is_one_line(tmp_path, edit, message):
    shutil.copytree(probe.SHIPPED_SUITE.parent, tmp_path, dirs_exist_ok=True)
    broken = tmp_path / probe.SHIPPED_SUITE.name
    broken.write_text(edit(broken.read_text()))
    with pytest.raises(ArenaError, match=message):
        probe.load_suite(broken)


def test_a_position_past_the_end_of_its_log_is_one_line(suite):
    position = suite.positions[0]
    beyond = probe.Position(**{**position.__dict__, "decision": 10_000})
    with pytest.raises(ArenaError, match="decisions"):
        probe.battle_at(beyond, suite.format)
