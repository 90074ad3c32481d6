"""Every battle replays exactly, piece by piece: each side's generator derived from the
battle's seed, poke-env's random helpers and sampling drawing from it, and the first
divergence named."""

import random
from types import SimpleNamespace

import torch

from arena.game.choices import Choice
from arena.matchmaking.rerun import first_divergence
from arena.models.chance import current, deciding, route_poke_env_draws, side_random
from arena.models.neural.policy import choose


def test_the_earlier_decision_is_named_and_simultaneous_ones_together():
    def moves(*orders: str, forced_at: int | None = None) -> list[Choice]:
        return [
            Choice(turn, None, 0, order, 2, turn == forced_at, False)
            for turn, order in enumerate(orders, start=1)
        ]

    same = moves("a", "b", "c")
    assert first_divergence([same, same], [same, same]) is None
    late_p1 = first_divergence([same, same], [moves("a", "b", "x"), moves("a", "x", "c")])
    assert (late_p1.sides, late_p1.turn, late_p1.stored, late_p1.again) == ((1,), 2, "b", "x")
    both = first_divergence([same, same], [moves("a", "x"), moves("a", "y", "c")])
    assert (both.sides, both.turn) == ((0, 1), 2)
    # a turn's moves come before its forced switches
    forced = first_divergence(
        [same, moves("a", "b", "c", forced_at=2)],
        [moves("a", "x", "c"), moves("a", "y", "c", forced_at=2)],
    )
    assert (forced.sides, forced.turn) == ((0,), 2)
    # a side that stopped deciding early diverged where its records end
    ended = first_divergence([same, same], [same, moves("a", "b")])
    assert (ended.sides, ended.turn, ended.again) == ((1,), 3, None)
    assert first_divergence([None, same], [moves("x"), same]) is None, "unrecorded: not compared"


def test_each_side_of_each_battle_has_its_own_repeatable_generator():
    draws = {
        (seed, side): side_random(seed, side).random()
        for seed in ("sodium,00", "sodium,01")
        for side in ("p1", "p2")
    }
    assert len(set(draws.values())) == 4
    assert side_random("sodium,01", "p2").random() == draws[("sodium,01", "p2")]


def test_poke_env_random_helpers_draw_from_the_battle_being_decided():
    from poke_env.player import Player

    route_poke_env_draws()
    battle = SimpleNamespace(valid_orders=list(range(1000)))

    def picks(seed: str) -> list[int]:
        with deciding(side_random(seed, "p1")):
            return [Player.choose_random_singles_move(battle) for _ in range(5)]

    assert picks("sodium,aa") == picks("sodium,aa") != picks("sodium,bb")
    assert current() is random, "outside a decision: Python's global generator"


def test_sampling_follows_the_draws_and_never_picks_an_illegal_action():
    logits = torch.tensor([[0.0, 1.0, 2.0, 3.0]]).repeat(1000, 1)
    mask = torch.tensor([[True, False, True, True]]).repeat(1000, 1)
    draws = (torch.arange(1000, dtype=torch.float64) + 0.5) / 1000
    picked = choose(logits, mask, 1.0, draws)
    assert not (picked == 1).any()
    assert picked.tolist() == sorted(picked.tolist()), "the draw is a quantile"
    expected = torch.softmax(logits[0].masked_fill(~mask[0], float("-inf")), -1)
    counts = torch.bincount(picked, minlength=4) / 1000
    assert torch.allclose(counts, expected.float(), atol=2e-3)
    top = torch.tensor([1.0], dtype=torch.float64)  # where rounding can carry a draw
    assert choose(logits[:1], mask[:1], 1.0, top).item() == 3
