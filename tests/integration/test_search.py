"""The search agent in real battles: whole games without invalid choices, only what a
player knows reaches its search, its teacher's distribution, answers within arena's
decision limit, and workers that end with arena. Budgets are tiny: strength is measured
by scripts/bench_search.py."""

import asyncio
import os
import signal
import subprocess
import time

import pytest

from arena.game.battle import Entrant, play_game
from arena.game.teams import Team, load_pool
from arena.game.transport import opened
from arena.matchmaking.match import play_match
from arena.models.heuristics import determinise
from arena.models.heuristics.determinise import Determiniser, KnownSet, Sighting
from arena.models.heuristics.search import SearchPlayer
from arena.models.registry import resolve
from arena.showdown.search import SearchPool, shared_pool
from tests.conftest import ARENA, REPO, _env, marked_processes, run_arena

SEED = "sodium," + "5e" * 16
# A decision limit no tiny search here comes near, so that a busy machine's clock never cuts
# a search short: the tests that compare decisions need every search to run its budget.
UNHURRIED = 120.0
# Gen 1 OU teams whose sets differ from every set in the shipped pool (moves no pool set
# has): what the search's opponent really brings, unknown to its determiniser.
OFF_POOL = {
    "a": """Tauros
- Fire Blast
- Thunderbolt
- Hyper Beam
- Stomp

Golem
- Rock Slide
- Earthquake
- Counter
- Explosion

Hypno
- Psychic
- Hypnosis
- Reflect
- Rest

Jynx
- Psychic
- Mimic
- Lovely Kiss
- Counter
""",
    # the same lead as `a` with the same set, then three other Pokémon
    "b": """Tauros
- Fire Blast
- Thunderbolt
- Hyper Beam
- Stomp

Victreebel
- Razor Leaf
- Wrap
- Sleep Powder
- Swords Dance

Dragonite
- Agility
- Hyper Beam
- Thunder Wave
- Wrap

Kangaskhan
- Body Slam
- Surf
- Earthquake
- Counter
""",
}


EVS = "EVs: 252 HP / 252 Atk / 252 Def / 252 SpA / 252 SpD / 252 Spe"


def _pool(tmp_path, names):
    for name in names:
        mons = [mon.replace("\n", f"\n{EVS}\n", 1) for mon in OFF_POOL[name].split("\n\n")]
        (tmp_path / f"{name}.txt").write_text("\n\n".join(mons))
    return load_pool("gen1ou", tmp_path)[1]


def _team(pool, name: str) -> Team:
    return next(team for team in pool.teams if team.name == f"{name}.txt")


# -- battles --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gen1ou_pool():
    return load_pool("gen1ou", None)[1]


@pytest.mark.parametrize("opponent", ["random", "gym-leader"])
async def test_search_plays_whole_battles_without_invalid_choices(opponent, gen1ou_pool):
    pool = await shared_pool()
    searched = len(pool.costs[8])
    async with opened("direct") as transport:
        result = await play_match(
            resolve("search:8"),
            resolve(opponent),
            transport=transport,
            battle_format="gen1ou",
            pool=gen1ou_pool,
            games=2,
            concurrency=2,
            seed=5,
        )
    assert len(result.games) == 2
    for game in result.games:
        assert game.end_reason == "normal"
        for seat in game.seats:
            assert (seat.log.invalid, seat.log.errors, seat.log.timeouts) == (0, 0, 0)
    assert len(pool.costs[8]) > searched, "decisions came from the search"


async def test_samples_agree_with_what_was_revealed_against_off_pool_teams(tmp_path, monkeypatch):
    """The opponent's real sets are in no pool set; every world the determiniser samples
    keeps each Pokémon seen, with every move it was seen to use, and nothing else of the
    real team."""
    pool = _pool(tmp_path, ["a", "b"])
    real = {s.species: s for t in OFF_POOL.values() for s in determinise.parse_team(t)}
    shipped = Determiniser.for_format("gen1ou", 1).sets
    for hidden in real.values():
        assert not any(
            (s.species, set(s.moves)) == (hidden.species, set(hidden.moves)) for s in shipped
        ), f"{hidden.species}'s real set is a pool set"
    samples: list[tuple[list[Sighting], list[KnownSet]]] = []
    sample = Determiniser.sample

    def watched(self, seen, team_size, rng):
        world = sample(self, seen, team_size, rng)
        samples.append((list(seen), world))
        return world

    monkeypatch.setattr(Determiniser, "sample", watched)
    async with opened("direct") as transport:
        result = await play_match(
            resolve("search:8"),
            resolve("gym-leader"),
            transport=transport,
            battle_format="gen1ou",
            pool=pool,
            games=2,
            concurrency=2,
            seed=1,
        )
    assert all(seat.log.invalid == 0 for game in result.games for seat in game.seats)
    assert samples
    assert any(sighting.moves for seen, _ in samples for sighting in seen), "moves were seen"
    for seen, world in samples:
        for sighting, sampled in zip(seen, world, strict=False):
            assert sighting.species in real, "only Pokémon that came out are seen"
            assert sighting.moves <= set(real[sighting.species].moves), "only moves it used"
            assert sighting.species == sampled.species
            assert sighting.moves <= set(sampled.moves)
        for unseen in world[len(seen) :]:
            hidden = real.get(unseen.species)
            assert hidden is None or set(hidden.moves) != set(unseen.moves), "a hidden set"


async def _decisions(team_name: str, pool) -> list:
    """The search's orders in one seeded battle against max-power's team `team_name`."""
    search = resolve("search:8")
    async with opened("direct") as transport:
        players = [
            await transport.spawn(spec, "gen1ou", UNHURRIED, 5)
            for spec in (search, resolve("max-power"))
        ]
        record = await play_game(
            Entrant("search", players[0], _team(pool, "a")),
            Entrant("max-power", players[1], _team(pool, team_name)),
            "gen1ou",
            transport,
            seed=SEED,
        )
    seat = record.seats[0]
    return [choice.order for choice in seat.log.choices], seat.log.lines


def _until_second_foe(lines: list[str]) -> int:
    """The number of the search's requests (it plays p1, as the challenger) answered
    before a second opposing Pokémon came out: up to then, both battles show it the same."""
    requests = 0
    for line in lines:
        if line.startswith(("|switch|p2a", "|drag|p2a")) and "Tauros" not in line:
            return requests
        if line.startswith("|request|") and '"wait"' not in line:
            requests += 1
    return requests


async def test_a_different_hidden_team_gives_the_same_decisions(tmp_path):
    """Two battles, same seed, the opponent's lead alike and its hidden Pokémon swapped for
    others: until one of those comes out, the search sees the same and decides the same."""
    pool = _pool(tmp_path, ["a", "b"])
    first, first_lines = await _decisions("a", pool)
    second, second_lines = await _decisions("b", pool)
    alike = min(_until_second_foe(first_lines), _until_second_foe(second_lines))
    assert alike >= 2, "the battles share a few decisions"
    assert first[:alike] == second[:alike]


# -- time ---------------------------------------------------------------------------------


async def test_a_huge_search_answers_by_its_deadline(gen1ou_pool):
    """search:N with N far beyond the decision limit still answers in time, with the best
    action found so far, and arena counts no timeout."""
    spec = resolve("search:10000000")
    async with opened("direct") as transport:
        players = [await transport.spawn(s, "gen1ou", 5.0, 5) for s in (spec, resolve("random"))]
        record = await play_game(
            Entrant("search", players[0], gen1ou_pool.teams[0]),
            Entrant("random", players[1], gen1ou_pool.teams[1]),
            "gen1ou",
            transport,
            time_limit=20.0,
            seed=SEED,
        )
    log = record.seats[0].log
    assert log.decisions >= 2
    assert (log.timeouts, log.errors) == (0, 0)


async def test_the_worker_stops_at_the_deadline():
    pool = await SearchPool(1).start()
    try:
        request = {
            "format": "gen1ou",
            "seed": 1,
            "iterations": 10**9,
            "deadline": (time.time() + 0.3) * 1000,
            "turn": 1,
            "me": [_mon("tauros", ["bodyslam", "earthquake"], True)],
            "worlds": [[_mon("chansey", ["icebeam", "softboiled"], True)]],
        }
        reply = await asyncio.wait_for(pool.search(request), 30)
    finally:
        await pool.close()
    assert 1 <= reply["iterations"] < 10**9
    assert set(reply["visits"]) <= {"move:bodyslam", "move:earthquake"}
    assert sum(reply["visits"].values()) == reply["iterations"]


async def test_every_action_is_searched_before_any_is_searched_twice():
    """On a budget of one iteration per action, the root weighs each of them once: a
    guess of an action's worth orders the trying, it does not rule an action out."""
    moves = ["bodyslam", "earthquake", "blizzard", "hyperbeam"]
    request = {
        "format": "gen1ou",
        "seed": 1,
        "iterations": 6,
        "deadline": (time.time() + UNHURRIED) * 1000,
        "turn": 1,
        "me": [
            _mon("tauros", moves, True),
            _mon("chansey", ["softboiled"], False),
            _mon("snorlax", ["rest"], False),
        ],
        "worlds": [[_mon("starmie", ["surf", "recover"], True), _mon("jynx", ["rest"], False)]],
    }
    pool = await SearchPool(1).start()
    try:
        reply = await asyncio.wait_for(pool.search(request), 60)
    finally:
        await pool.close()
    expected = {f"move:{move}" for move in moves} | {"switch:Chansey", "switch:Snorlax"}
    assert reply["visits"] == dict.fromkeys(expected, 1)


def _mon(species: str, moves: list[str], active: bool) -> dict:
    return {
        "set": KnownSet(species, tuple(moves)).as_set(),
        "hp_fraction": 1.0,
        "status": "",
        "boosts": {},
        "active": active,
        "fainted": False,
    }


# -- the teacher's distribution ---------------------------------------------------------


class _Taught(SearchPlayer):
    """Asks for the teacher's distribution (from a thread, as a synchronous caller) before
    each decision, and keeps it with the order `choose_move` played."""

    iterations = 8
    seen: list = []

    async def choose_move(self, battle):
        distribution = await asyncio.to_thread(self.choice_distribution, battle)
        order = await super().choose_move(battle)
        self.seen.append((distribution, order))
        return order


async def test_choose_move_plays_the_likeliest_action_of_the_teachers_distribution(
    gen1ou_pool, monkeypatch
):
    monkeypatch.setattr(_Taught, "seen", [])
    spec = resolve("tests.integration.test_search:_Taught")
    async with opened("direct") as transport:
        players = [
            await transport.spawn(s, "gen1ou", UNHURRIED, 5) for s in (spec, resolve("random"))
        ]
        record = await play_game(
            Entrant("taught", players[0], gen1ou_pool.teams[0]),
            Entrant("random", players[1], gen1ou_pool.teams[1]),
            "gen1ou",
            transport,
            seed=SEED,
        )
    assert record.seats[0].log.invalid == 0
    searched = [(d, o) for d, o in _Taught.seen if len(d) > 1]
    assert searched, "some decisions had a choice"
    for distribution, order in _Taught.seen:
        assert abs(sum(p for _, p in distribution) - 1) < 1e-9
        assert all(p > 0 for _, p in distribution)
        likeliest = max(distribution, key=lambda entry: entry[1])[0]
        assert likeliest.message == order.message, "the same search, the same pick"


# -- the command line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["battle", "search:64@missing.pt", "random"], "does not exist"),
        (
            ["battle", "search:8", "random", "--format", "gen9randomdoublesbattle"],
            "search:8 plays singles only and gen9randomdoublesbattle is a doubles format",
        ),
        (
            ["tournament", "--agents", "search:8,random", "--format", "gen9randomdoublesbattle"],
            "plays singles only",
        ),
        (["tournament", "--agents", "search:abc,random"], "whole number"),
        (
            ["evaluate", "search:16", "--incumbent", "gym-leader", "--opponents", "search:0"],
            "at least 1",
        ),
        (["selfplay", "search:8", "--opponents", "search:0"], "at least 1"),
        (["selfplay", "search:8", "--format", "gen9randomdoublesbattle"], "plays singles only"),
    ],
)
def test_bad_search_specs_stop_the_cli(args, message, tmp_path):
    store = [] if args[0] == "battle" else ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    result = run_arena(*args, *store)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a.db").exists(), "nothing started"


def test_a_tournament_with_workers_plays_search(tmp_path):
    result = run_arena(
        "tournament",
        "--agents",
        "search:4,random",
        "--games-per-pair",
        "2",
        "--workers",
        "2",
        "--db",
        f"sqlite:///{tmp_path / 'a.db'}",
    )
    assert result.returncode == 0, result.stderr
    assert "search:4" in result.stdout


# -- workers end with arena -------------------------------------------------------------


def _search_workers(mark: str) -> set[int]:
    return {
        pid
        for pid, cmdline in marked_processes(mark).items()
        if b"search.js" in cmdline and b"node" in cmdline.split(b"\0")[0]
    }


def _gone(mark: str, within: float = 30.0) -> bool:
    """Whether every search worker with `mark` has ended, waiting up to `within` s."""
    deadline = time.monotonic() + within
    while _search_workers(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _marked_arena(mark: str, *args: str) -> subprocess.Popen:
    env = {**_env(), "ARENA_SEARCH_TEST": mark.partition("=")[2]}
    return subprocess.Popen([*ARENA, *args], cwd=REPO, env=env, stdout=subprocess.DEVNULL)


def test_search_workers_stop_when_arena_exits():
    mark = f"ARENA_SEARCH_TEST=exits-{os.getpid()}"
    arena = _marked_arena(mark, "battle", "search:4", "random", "--games", "2")
    assert arena.wait(300) == 0
    assert _gone(mark)


def test_search_workers_die_with_a_killed_arena():
    mark = f"ARENA_SEARCH_TEST=killed-{os.getpid()}"
    arena = _marked_arena(mark, "battle", "search:100000000", "random", "--games", "2")
    try:
        deadline = time.monotonic() + 120
        while not _search_workers(mark) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _search_workers(mark), "the battle started its search workers"
        arena.send_signal(signal.SIGKILL)
    finally:
        arena.kill()
        arena.wait()
    assert _gone(mark)


def test_an_evaluation_gauntlet_plays_search(tmp_path):
    result = run_arena(
        *("evaluate", "grunt", "--incumbent", "random", "--opponents", "search:4"),
        *("--max-pairs", "1", "--format", "gen1randombattle", "--name", "ev"),
        *("--db", f"sqlite:///{tmp_path / 'a.db'}"),
    )
    assert result.returncode in (0, 10, 11), result.stderr
    assert "search:4" in result.stdout
