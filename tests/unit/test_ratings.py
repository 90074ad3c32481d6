"""TrueSkill and Bradley–Terry on simulated agents of known strength."""

import random
import time

import numpy as np
import pytest

from arena.rating.glicko import Glicko, glicko, glicko_period
from arena.rating.live import LiveRatings
from arena.rating.ratings import bradley_terry, reference_note
from arena.rating.stats import Outcome

TRUE = {"random": 1000, "weak": 1200, "fair": 1400, "good": 1600, "best": 1800}


def _pair(a: str, b: str, p: float, unit: tuple, rng: np.random.Generator) -> list[Outcome]:
    """One side-swapped pair; `p` is a's chance to win each game."""
    return [
        Outcome(a, b, float(rng.random() < p), unit),
        Outcome(b, a, float(rng.random() >= p), unit),
    ]


def _simulate(true_elo: dict[str, float], pairs_per_matchup: int, seed: int = 0) -> list[Outcome]:
    """A round robin of side-swapped pairs between agents of known logistic Elo."""
    rng = np.random.default_rng(seed)
    names = list(true_elo)
    outcomes = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            p = 1 / (1 + 10 ** ((true_elo[b] - true_elo[a]) / 400))
            for k in range(pairs_per_matchup):
                outcomes += _pair(a, b, p, ("t", a, b, k), rng)
    return outcomes


def _random_schedule(true_elo: dict[str, float], pairs: int, seed: int = 0) -> list[Outcome]:
    """`pairs` side-swapped pairs between randomly drawn agents."""
    rng = np.random.default_rng(seed)
    names = list(true_elo)
    outcomes = []
    for k in range(pairs):
        a, b = (names[i] for i in rng.choice(len(names), 2, replace=False))
        p = 1 / (1 + 10 ** ((true_elo[b] - true_elo[a]) / 400))
        outcomes += _pair(a, b, p, ("t", k), rng)
    return outcomes


def test_bradley_terry_recovers_known_strengths():
    ratings = bradley_terry(_simulate(TRUE, 60))
    assert sorted(ratings, key=lambda n: ratings[n].elo) == list(TRUE)
    for name, elo in TRUE.items():
        assert ratings[name].elo == pytest.approx(elo, abs=75)
    assert ratings["best"].elo - ratings["weak"].elo == pytest.approx(600, abs=100)
    covered = sum(ratings[n].low <= TRUE[n] <= ratings[n].high for n in TRUE if n != "random")
    assert covered >= 3


def test_bradley_terry_intervals_contain_truth_for_most_agents_across_runs():
    covered, total = 0, 0
    for seed in range(5):
        ratings = bradley_terry(_simulate(TRUE, 25, seed=seed))
        covered += sum(ratings[n].low <= TRUE[n] <= ratings[n].high for n in TRUE if n != "random")
        total += len(TRUE) - 1
    assert covered / total >= 0.8


def test_anchor_is_fixed_at_1000_and_only_shifts_the_scale():
    outcomes = _simulate(TRUE, 20)
    by_random = bradley_terry(outcomes)
    by_weak = bradley_terry(outcomes, anchor="weak")
    random = by_random["random"]
    assert (random.elo, random.low, random.high) == pytest.approx((1000.0, 1000.0, 1000.0))
    assert by_weak["weak"].elo == pytest.approx(1000.0)
    gaps = [by_random[n].elo - by_weak[n].elo for n in TRUE]
    assert gaps == pytest.approx([gaps[0]] * len(gaps))


def test_without_anchor_the_ratings_average_1500():
    outcomes = _simulate(TRUE, 20)
    absent = [o for o in outcomes if "random" not in (o.a, o.b)]
    for ratings in (bradley_terry(absent), bradley_terry(outcomes, anchor=None)):
        assert np.mean([r.elo for r in ratings.values()]) == pytest.approx(1500)
    assert bradley_terry([]) == {}


def test_perfect_record_stays_finite_with_a_one_sided_interval():
    outcomes = [Outcome("champ", "random", 1.0, (k // 2,)) for k in range(20)]
    outcomes += [Outcome("random", "dud", 1.0, ("d", k // 2)) for k in range(20)]
    ratings = bradley_terry(outcomes)
    assert all(np.isfinite(r.elo) for r in ratings.values())
    assert 1300 < ratings["champ"].elo < 2500 and -500 < ratings["dud"].elo < 700
    champ, dud = ratings["champ"], ratings["dud"]
    assert champ.high == np.inf and 1000 < champ.low < champ.elo  # at least, never exactly
    assert dud.low == -np.inf and dud.elo < dud.high < 1000


def test_a_tournament_of_sweeps_has_no_zero_width_interval():
    """gym-leader beat random in all 4 games: its rating is bounded below only, by a
    bound that drops below an even match (4 games cannot rule one out) and rises with
    the games."""
    by_games = {}
    for games in (4, 40):
        sweep = [Outcome("gym-leader", "random", 1.0, (k // 2,)) for k in range(games)]
        by_games[games] = bradley_terry(sweep)["gym-leader"]
    assert by_games[4].high == by_games[40].high == np.inf
    assert by_games[4].low < 1000 < by_games[40].low < by_games[40].elo
    assert reference_note(["gym-leader", "random"]).startswith("Elo relative to random")
    assert "field's mean" in reference_note(["gym-leader", "max-power"])


def test_prior_barely_moves_a_well_measured_gap():
    outcomes = [Outcome("a", "random", float(k % 4 != 0), (k // 2,)) for k in range(40)]
    gap = bradley_terry(outcomes, intervals=False)["a"].elo - 1000
    assert gap == pytest.approx(400 * np.log10(3), abs=3)  # the maximum-likelihood gap


def test_intervals_are_deterministic_contain_the_estimate_and_only_the_anchors_is_zero():
    outcomes = _simulate(TRUE, 15, seed=4)
    first = bradley_terry(outcomes)
    assert first == bradley_terry(outcomes)
    assert all(r.low <= r.elo <= r.high for r in first.values())
    assert all(r.low < r.high for n, r in first.items() if n != "random")
    unanchored = bradley_terry(outcomes, anchor=None)
    assert all(r.low < r.elo < r.high for r in unanchored.values())
    point = bradley_terry(outcomes, intervals=False)
    assert {n: r.elo for n, r in point.items()} == {n: r.elo for n, r in first.items()}
    assert all(r.low == r.elo == r.high for r in point.values())


def test_interval_takes_in_the_estimate_when_sparse_resamples_miss_it():
    # Two separate parts; "lone" played a single pair, so resamples often lack it.
    pairs = [("top", "upper", 2), ("upper", "mid", 1), ("mid", "low", 2), ("low", "lone", 1)]
    pairs.append(("random", "dud", 2))
    outcomes = []
    for k, (a, b, score) in enumerate(pairs):
        outcomes += [Outcome(a, b, min(score, 1), (k,)), Outcome(b, a, 1 - max(score - 1, 0), (k,))]
    ratings = bradley_terry(outcomes)
    assert all(r.low <= r.elo <= r.high for r in ratings.values())


def test_an_even_record_is_never_certain():
    """Each pair split 1-1: fifty pairs still leave the gap uncertain (a bootstrap over
    pairs would call it exactly even)."""
    split = [
        o for k in range(50) for o in (Outcome("x", "y", 1.0, (k,)), Outcome("y", "x", 1.0, (k,)))
    ]
    x = bradley_terry(split)["x"]
    assert x.elo == pytest.approx(1500)
    assert 1400 < x.low < 1480 and 1520 < x.high < 1600


def test_disconnected_field_stays_finite_and_ordered_within_each_part():
    true = {"random": 1000, "weak": 1200, "fair": 1400, "good": 1600, "best": 1800}
    left_names, right_names = {"random", "weak", "fair"}, {"good", "best"}
    left = [o for o in _simulate(true, 40) if {o.a, o.b} <= left_names]
    right = [o for o in _simulate(true, 40, seed=1) if {o.a, o.b} <= right_names]
    ratings = bradley_terry(left + right)
    assert all(np.isfinite(r.elo) for r in ratings.values())
    # Nothing relates the right part to the anchor: its intervals are open both ways.
    assert all(np.isfinite([r.low, r.high]).all() for n, r in ratings.items() if n in left_names)
    assert all((r.low, r.high) == (-np.inf, np.inf) for n, r in ratings.items() if n in right_names)
    assert ratings["random"].elo < ratings["weak"].elo < ratings["fair"].elo
    assert ratings["best"].elo - ratings["good"].elo == pytest.approx(200, abs=100)


def test_bradley_terry_is_fast_enough():
    names = [f"agent{k}" for k in range(9)] + ["random"]
    outcomes = _random_schedule(dict(zip(names, np.linspace(1800, 1000, 10), strict=True)), 2000)
    assert len(outcomes) == 4000
    start = time.perf_counter()
    bradley_terry(outcomes)
    assert time.perf_counter() - start < 5


def test_trueskill_ranks_an_always_winner_first():
    live = LiveRatings()
    assert live.table() == []
    for k in range(10):
        for loser in ("weak", "fair"):
            live.update(Outcome("champ", loser, 1.0, (loser, k)))
        live.update(Outcome("weak", "fair", float(k % 2), ("wf", k)))
    table = live.table()
    assert [row.name for row in table][0] == "champ"
    assert {row.name: row.games for row in table} == {"champ": 20, "weak": 20, "fair": 20}


def test_trueskill_ranks_by_the_conservative_estimate():
    live = LiveRatings()
    for k in range(20):
        live.update(Outcome("veteran", "weak", 1.0 if k % 4 else 0.0, (k,)))
    live.update(Outcome("newcomer", "weak", 1.0, ("n",)))
    table = live.table()
    assert [row.name for row in table] == ["veteran", "weak", "newcomer"]
    assert max(table, key=lambda r: r.mu).name == "newcomer"
    assert all(r.conservative == pytest.approx(r.mu - 3 * r.sigma) for r in table)


def test_trueskill_loss_and_draw_updates():
    live = LiveRatings(draw_probability=0.1)
    assert live.env.draw_probability == 0.1
    live.update(Outcome("a", "b", 0.0, (0,)))
    before = {row.name: row for row in live.table()}
    assert before["b"].mu > before["a"].mu
    live.update(Outcome("a", "b", 0.5, (1,)))
    after = {row.name: row for row in live.table()}
    assert after["a"].sigma < before["a"].sigma and after["b"].sigma < before["b"].sigma
    assert after["a"].mu > before["a"].mu and after["b"].mu < before["b"].mu
    live.update(Outcome("c", "d", 0.5, (2,)))
    c, d = (row for row in live.table() if row.name in "cd")
    assert c.mu == pytest.approx(d.mu) and c.mu == pytest.approx(live.env.mu)
    assert c.sigma < live.env.sigma


def test_glicko_matches_glickmans_worked_example():
    """Glickman's paper: 1500 ± 200 beats 1400 ± 30, loses to 1550 ± 100 and 1700 ± 300
    in one period, and leaves it at 1464 ± 151.4."""
    games = [(Glicko(1400, 30), 1.0), (Glicko(1550, 100), 0.0), (Glicko(1700, 300), 0.0)]
    after = glicko_period(Glicko(1500, 200), games)
    assert round(after.rating) == 1464 and round(after.deviation, 1) == 151.4


def test_gxe_is_even_at_the_ladders_centre_and_grows_with_rating():
    assert Glicko(1500, 130).gxe == pytest.approx(50.0)
    assert Glicko(1700, 50).gxe > Glicko(1600, 50).gxe > 50 > Glicko(1400, 50).gxe


def test_glicko_rates_each_game_from_both_players_ratings_before_it():
    after = glicko([Outcome("a", "b", 1.0, 0)])
    assert after["a"].rating - 1500 == pytest.approx(1500 - after["b"].rating)
    assert after["a"].deviation == after["b"].deviation < 130


def test_trueskill_closed_form_is_the_trueskill_packages_factor_graph():
    """Wins, losses and draws among six players, each game rated by the closed form and
    by the package's `rate_1vs1`: the ratings agree to rounding after 2,000 games."""
    import trueskill

    rng = random.Random(3)
    live = LiveRatings(draw_probability=0.1)
    env = trueskill.TrueSkill(draw_probability=0.1)
    reference: dict[str, trueskill.Rating] = {}
    names = [f"player-{k}" for k in range(6)]
    for game in range(2000):
        a, b = rng.sample(names, 2)
        score = rng.choice([0.0, 1.0, 1.0, 0.5])
        live.update(Outcome(a, b, score, (game,)))
        first, second = (reference.get(n, env.create_rating()) for n in (a, b))
        if score < 0.5:
            second, first = trueskill.rate_1vs1(second, first, env=env)
        else:
            first, second = trueskill.rate_1vs1(first, second, drawn=score == 0.5, env=env)
        reference[a], reference[b] = first, second
    for row in live.table():
        assert row.mu == pytest.approx(reference[row.name].mu, abs=1e-9)
        assert row.sigma == pytest.approx(reference[row.name].sigma, abs=1e-9)
