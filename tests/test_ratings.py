"""TrueSkill and Bradley–Terry on simulated agents of known strength."""

import random
import time

import numpy as np
import pytest

from arena.ratings import Glicko, LiveRatings, bradley_terry, glicko, glicko_period
from arena.stats import Outcome

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
    ratings = bradley_terry(_simulate(TRUE, 60), bootstrap=500, seed=1)
    assert sorted(ratings, key=lambda n: ratings[n].elo) == list(TRUE)
    for name, elo in TRUE.items():
        assert ratings[name].elo == pytest.approx(elo, abs=75)
    assert ratings["best"].elo - ratings["weak"].elo == pytest.approx(600, abs=100)
    covered = sum(ratings[n].low <= TRUE[n] <= ratings[n].high for n in TRUE if n != "random")
    assert covered >= 3


def test_bradley_terry_intervals_contain_truth_for_most_agents_across_runs():
    covered, total = 0, 0
    for seed in range(5):
        ratings = bradley_terry(_simulate(TRUE, 25, seed=seed), bootstrap=300, seed=seed)
        covered += sum(ratings[n].low <= TRUE[n] <= ratings[n].high for n in TRUE if n != "random")
        total += len(TRUE) - 1
    assert covered / total >= 0.8


def test_anchor_is_fixed_at_1000_and_only_shifts_the_scale():
    outcomes = _simulate(TRUE, 20)
    by_random = bradley_terry(outcomes, bootstrap=100)
    by_weak = bradley_terry(outcomes, anchor="weak", bootstrap=100)
    random = by_random["random"]
    assert (random.elo, random.low, random.high) == pytest.approx((1000.0, 1000.0, 1000.0))
    assert by_weak["weak"].elo == pytest.approx(1000.0)
    gaps = [by_random[n].elo - by_weak[n].elo for n in TRUE]
    assert gaps == pytest.approx([gaps[0]] * len(gaps))


def test_without_anchor_the_ratings_average_1500():
    outcomes = _simulate(TRUE, 20)
    absent = [o for o in outcomes if "random" not in (o.a, o.b)]
    for ratings in (bradley_terry(absent, bootstrap=50), bradley_terry(outcomes, anchor=None)):
        assert np.mean([r.elo for r in ratings.values()]) == pytest.approx(1500)
    assert bradley_terry([]) == {}


def test_perfect_record_stays_finite():
    outcomes = [Outcome("champ", "random", 1.0, (k // 2,)) for k in range(20)]
    outcomes += [Outcome("random", "dud", 1.0, ("d", k // 2)) for k in range(20)]
    ratings = bradley_terry(outcomes, bootstrap=100)
    assert all(np.isfinite([r.elo, r.low, r.high]).all() for r in ratings.values())
    assert 1300 < ratings["champ"].elo < 2500 and -500 < ratings["dud"].elo < 700


def test_prior_barely_moves_a_well_measured_gap():
    outcomes = [Outcome("a", "random", float(k % 4 != 0), (k // 2,)) for k in range(40)]
    gap = bradley_terry(outcomes, bootstrap=0)["a"].elo - 1000
    assert gap == pytest.approx(400 * np.log10(3), abs=3)  # the maximum-likelihood gap


def test_bootstrap_is_reproducible_and_intervals_contain_the_estimate():
    outcomes = _simulate(TRUE, 15, seed=4)
    first = bradley_terry(outcomes, bootstrap=200, seed=3)
    assert first == bradley_terry(outcomes, bootstrap=200, seed=3)
    assert first != bradley_terry(outcomes, bootstrap=200, seed=4)
    assert all(r.low <= r.elo <= r.high for r in first.values())
    assert all(r.low < r.high for n, r in first.items() if n != "random")
    point = bradley_terry(outcomes, bootstrap=0)
    assert {n: r.elo for n, r in point.items()} == {n: r.elo for n, r in first.items()}
    assert all(r.low == r.elo == r.high for r in point.values())


def test_interval_takes_in_the_estimate_when_sparse_resamples_miss_it():
    # Two separate parts; "lone" played a single pair, so resamples often lack it.
    pairs = [("top", "upper", 2), ("upper", "mid", 1), ("mid", "low", 2), ("low", "lone", 1)]
    pairs.append(("random", "dud", 2))
    outcomes = []
    for k, (a, b, score) in enumerate(pairs):
        outcomes += [Outcome(a, b, min(score, 1), (k,)), Outcome(b, a, 1 - max(score - 1, 0), (k,))]
    ratings = bradley_terry(outcomes, bootstrap=200, seed=0)
    assert all(r.low <= r.elo <= r.high for r in ratings.values())


def test_bootstrap_resamples_pairs_not_games():
    split = [
        o for k in range(50) for o in (Outcome("x", "y", 1.0, (k,)), Outcome("y", "x", 1.0, (k,)))
    ]
    swept = [
        Outcome(a, b, float(k % 2 == 0), (k,)) for k in range(50) for a, b in (("x", "y"),) * 2
    ]
    by_split = bradley_terry(split, bootstrap=300)["x"]
    by_sweep = bradley_terry(swept, bootstrap=300)["x"]
    # Same 50-50 record game by game; only the pairs differ. Split pairs carry no doubt.
    assert by_split.elo == pytest.approx(1500) and by_sweep.elo == pytest.approx(1500)
    assert by_split.high - by_split.low == pytest.approx(0, abs=1e-6)
    assert by_sweep.high - by_sweep.low > 50


def test_disconnected_field_stays_finite_and_ordered_within_each_part():
    true = {"random": 1000, "weak": 1200, "fair": 1400, "good": 1600, "best": 1800}
    left = [o for o in _simulate(true, 40) if {o.a, o.b} <= {"random", "weak", "fair"}]
    right = [o for o in _simulate(true, 40, seed=1) if {o.a, o.b} <= {"good", "best"}]
    ratings = bradley_terry(left + right, bootstrap=100)
    assert all(np.isfinite([r.elo, r.low, r.high]).all() for r in ratings.values())
    assert ratings["random"].elo < ratings["weak"].elo < ratings["fair"].elo
    assert ratings["best"].elo - ratings["good"].elo == pytest.approx(200, abs=100)


def test_bradley_terry_is_fast_enough():
    names = [f"agent{k}" for k in range(9)] + ["random"]
    outcomes = _random_schedule(dict(zip(names, np.linspace(1800, 1000, 10), strict=True)), 2000)
    assert len(outcomes) == 4000
    start = time.perf_counter()
    bradley_terry(outcomes, bootstrap=1000)
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
