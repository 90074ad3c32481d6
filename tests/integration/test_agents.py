"""Every agent plays real gen1ou games cleanly; the strong ones beat `random`."""

import pytest

from arena.game.teams import load_pool
from arena.game.transport import ServerTransport
from arena.matchmaking.match import play_match
from arena.models.registry import HEURISTICS, resolve
from tests.conftest import run_arena

MIN_WIN_RATE = {"gym-leader": 0.8, "simple-heuristic": 0.8}


@pytest.fixture(scope="module")
def gen1ou_pool():
    _, pool = load_pool("gen1ou", None)
    return pool


async def _match(server, agent, pool, games, seed=7):
    return await play_match(
        resolve(agent),
        resolve("random"),
        transport=ServerTransport(server.websocket_url),
        battle_format="gen1ou",
        pool=pool,
        games=games,
        concurrency=10,
        seed=seed,
    )


@pytest.mark.parametrize("agent", HEURISTICS)
async def test_agent_plays_clean_games_against_random(server, gen1ou_pool, agent):
    games = 40 if agent in MIN_WIN_RATE else 20
    result = await _match(server, agent, gen1ou_pool, games)
    assert len(result.games) == games
    seats = [seat for game in result.games for seat in game.seats]
    assert all(seat.log.invalid == 0 for seat in seats), "invalid choices were sent"
    assert all(seat.log.errors == 0 and seat.log.timeouts == 0 for seat in seats)
    wins, _, _ = result.score()
    print(f"\n{agent} vs random: {wins}/{games} wins ({wins / games:.0%})")
    assert wins / games >= MIN_WIN_RATE.get(agent, 0.0)


async def test_pairs_swap_sides_and_keep_their_teams(server, gen1ou_pool):
    result = await _match(server, "max-power", gen1ou_pool, 8, seed=3)
    by_pair = {}
    for game in result.games:
        by_pair.setdefault(game.pair, []).append(game)
    assert sorted(by_pair) == [0, 1, 2, 3]
    for first, second in by_pair.values():
        assert [s.team for s in first.seats] == [s.team for s in second.seats]
        assert [s.agent for s in first.seats] == [s.agent for s in reversed(second.seats)]
        assert first.seats[0].team != first.seats[1].team
    assert all(game.seats[0].log.lines and game.seats[1].log.lines for game in result.games)
    assert all("|win|" in "\n".join(g.seats[0].log.lines) or g.winner is None for g in result.games)


async def test_user_agent_by_import_path(server, gen1ou_pool):
    result = await _match(server, "tests.user_bots:FirstLegalPlayer", gen1ou_pool, 4)
    assert len(result.games) == 4
    assert all(seat.log.invalid == 0 for game in result.games for seat in game.seats)


async def test_failing_agent_is_replaced_by_default_moves_and_counted(server, gen1ou_pool):
    result = await _match(server, "tests.user_bots:RaisingPlayer", gen1ou_pool, 2)
    assert len(result.games) == 2
    failing = [s for g in result.games for s in g.seats if s.agent.endswith("RaisingPlayer")]
    assert all(seat.log.errors > 0 for seat in failing)


def test_battle_command_on_a_running_server(server):
    result = run_arena(
        "battle",
        "tests.user_bots:FirstLegalPlayer",
        "random",
        "--games",
        "2",
        "--server",
        server.websocket_url,
    )
    assert result.returncode == 0, result.stderr
    assert "tests.user_bots:FirstLegalPlayer" in result.stdout
    assert "games 2" in result.stdout
