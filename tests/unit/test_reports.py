"""Reports over constructed battles: ranked by Bradley–Terry, games cut by the time limit
neither ties nor in win rates, ladder accounts never merged, and a password never shown."""

from arena.cli.reports import print_leaderboard
from arena.game.player import Account
from arena.report.leaderboard import ladder_standings, standings
from arena.report.matrix import matrix_rows
from arena.store.tables import LADDER_OPPONENT, Battle

NAMES = {1: "alpha", 2: "beta"}


def _battle(number: int, winner: int | None, end: str = "normal", **extra) -> Battle:
    return Battle(
        id=number,
        tournament_id=1,
        pairing="alpha vs beta",
        pair_index=number,
        game=0,
        format="gen1ou",
        battle_tag=f"battle-gen1ou-{number}",
        p1_agent_id=1,
        p2_agent_id=2,
        winner=winner,
        turns=10,
        duration=1.0,
        end_reason=end,
        p1_log=b"",
        p2_log=b"",
        **extra,
    )


def test_final_order_is_bradley_terry_not_the_live_trueskill():
    """alpha won 11 of 20, beta the last 9: TrueSkill, which weighs recent games more,
    puts beta first; Bradley–Terry, blind to the order, puts alpha first."""
    history = [_battle(k, 0) for k in range(11)] + [_battle(11 + k, 1) for k in range(9)]
    rows = standings(history, NAMES)
    assert [r.agent for r in rows] == ["alpha", "beta"]
    assert rows[1].trueskill_conservative > rows[0].trueskill_conservative
    assert rows[0].bt_elo > rows[1].bt_elo


def test_games_cut_by_the_time_limit_are_neither_ties_nor_in_win_rates():
    history = [_battle(0, 0), _battle(1, 1), _battle(2, None, "time limit: over 600s")]
    rows = {r.agent: r for r in standings(history, NAMES)}
    alpha = rows["alpha"]
    assert (alpha.games, alpha.wins, alpha.losses, alpha.ties, alpha.time_limited) == (
        3,
        1,
        1,
        0,
        1,
    )
    assert alpha.win_rate == 0.5
    cells = {(r.agent, r.opponent): r for r in matrix_rows(history, NAMES)}
    assert cells[("alpha", "beta")].games == 2 and cells[("alpha", "beta")].ties == 0


def test_two_ladder_accounts_of_one_agent_are_never_merged():
    kinds = {1: ("alpha", "builtin"), 2: ("test:someone", LADDER_OPPONENT)}
    history = [
        _battle(0, 0, ladder="test", username="first", rating_before=1000, rating_after=1040),
        _battle(1, 1, ladder="test", username="second", rating_before=1000, rating_after=980),
    ]
    rows = ladder_standings(history, kinds)
    assert [(r.username, r.agent, r.wins, r.losses, r.rating_last) for r in rows] == [
        ("first", "alpha", 1, 0, 1040),
        ("second", "alpha", 0, 1, 980),
    ]


def test_leaderboard_title_names_its_ranking(tmp_path, capsys):
    from arena.store.database import Store

    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    print_leaderboard(store, None)
    assert "ranked by Bradley–Terry" in capsys.readouterr().out


def test_account_repr_hides_the_password():
    account = Account("someone", "hunter2-secret", "http://127.0.0.1:1/")
    assert "hunter2-secret" not in repr(account) and "someone" in repr(account)
