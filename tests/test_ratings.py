"""TrueSkill and Bradley–Terry on simulated agents of known strength."""

import numpy as np
import pytest

from arena.ratings import LiveRatings, bradley_terry
from arena.stats import Outcome


def _simulate(true_elo: dict[str, float], pairs_per_matchup: int, seed: int = 0) -> list[Outcome]:
    rng = np.random.default_rng(seed)
    names = list(true_elo)
    outcomes = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            p = 1 / (1 + 10 ** ((true_elo[b] - true_elo[a]) / 400))
            for k in range(pairs_per_matchup):
                unit = (a, b, k)
                outcomes.append(Outcome(a, b, float(rng.random() < p), unit))
                outcomes.append(Outcome(b, a, float(rng.random() >= p), unit))
    return outcomes


TRUE = {"random": 1000, "weak": 1200, "fair": 1400, "good": 1600, "best": 1800}


def test_bradley_terry_recovers_known_strengths():
    ratings = bradley_terry(_simulate(TRUE, 100), bootstrap=300, seed=1)
    assert ratings["random"].elo == pytest.approx(1000)
    assert sorted(ratings, key=lambda n: ratings[n].elo) == list(TRUE)
    for name, elo in TRUE.items():
        assert ratings[name].elo == pytest.approx(elo, abs=60)
    covered = sum(ratings[n].low <= TRUE[n] <= ratings[n].high for n in TRUE if n != "random")
    assert covered >= 3
    assert all(r.low <= r.elo <= r.high for r in ratings.values())


def test_bradley_terry_without_anchor_averages_1500_and_is_reproducible():
    outcomes = [o for o in _simulate(TRUE, 30) if "random" not in (o.a, o.b)]
    first = bradley_terry(outcomes, bootstrap=200, seed=3)
    assert np.mean([r.elo for r in first.values()]) == pytest.approx(1500)
    assert first == bradley_terry(outcomes, bootstrap=200, seed=3)


def test_perfect_record_stays_finite():
    outcomes = [Outcome("champ", "random", 1.0, (k // 2,)) for k in range(20)]
    ratings = bradley_terry(outcomes, bootstrap=100)
    assert np.isfinite(ratings["champ"].elo) and ratings["champ"].elo > 1300


def test_trueskill_ranks_by_conservative_estimate_and_handles_draws():
    live = LiveRatings()
    for k in range(30):
        live.update(Outcome("strong", "weak", 1.0, (k,)))
    live.update(Outcome("newcomer", "weak", 1.0, ("n",)))
    table = live.table()
    assert [row.name for row in table][0] == "strong"
    assert table == sorted(table, key=lambda r: r.conservative, reverse=True)
    before = {row.name: row.sigma for row in live.table()}
    live.update(Outcome("strong", "newcomer", 0.5, ("d",)))
    after = {row.name: row.sigma for row in live.table()}
    assert after["newcomer"] < before["newcomer"]
    assert {row.name: row.games for row in live.table()}["strong"] == 31
