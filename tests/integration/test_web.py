"""`arena web` over a real small tournament played on a real server, in a real browser.

One module-scoped store: a three-agent tournament played on the session's Showdown
server, plus an agent whose name is an HTML payload and a battle whose log, team and
player names carry a `<script>`. The dashboard runs as the `arena web` command does;
Debian's Chromium (never a downloaded browser) loads its pages through Playwright."""

import importlib.util
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from poke_env.player import Player
from sqlalchemy import insert

from arena.game.battle import GameRecord, Seat
from arena.game.human import human_spec
from arena.game.player import BattleLog
from arena.kinds import TournamentKind
from arena.ladder.board import SERVER
from arena.models.neural.checkpoint import initialise
from arena.models.neural.policy import PolicyConfig
from arena.models.registry import AgentSpec, resolve
from arena.rating.ratings import interval_text
from arena.report.behaviour import profile_of_id
from arena.report.export import json_rows
from arena.showdown.server import free_port
from arena.store.database import Store
from arena.store.tables import Battle, compress_log, decompress_log
from arena.web.play_session import human_tournament, store_game
from tests import synthetic
from tests.conftest import REPO, run_arena, start_arena

CHROMIUM = Path("/usr/bin/chromium")


XSS_AGENT = "<img src=x onerror=alert(1)>"


XSS_TEAM = "<script>alert(2)</script>"


XSS_PLAYER = "<script>alert(3)</script>"


XSS_ACCOUNT = "</script><script>alert(5)</script>"  # aimed at JSON inside a <script> block


TOURNAMENT = "web"


EVALUATION = "gate"


def _play(server, db: str, name: str, agents: str, games: int) -> list[str]:
    return [
        "tournament",
        "--server",
        server.websocket_url,
        "--db",
        db,
        "--agents",
        agents,
        "--games-per-pair",
        str(games),
        "--name",
        name,
    ]


def _add_hostile_battle(db: str) -> int:
    """An agent named like an HTML payload, in a battle of the tournament whose log,
    team and player names carry scripts: what a ladder opponent could choose."""
    store = Store.open(db)
    spec = AgentSpec(XSS_AGENT, "user", "tests.user_bots:Hostile", Player)
    hostile = store.agent_id(spec)
    first = store.battle(1)
    log = [
        "|init|battle",
        f"|player|p1|{XSS_PLAYER}|",
        "|player|p2|opponent|",
        "|start",
        "|switch|p1a: Tauros|Tauros|100/100",
        "|switch|p2a: Snorlax|Snorlax|100/100",
        "|turn|1",
        f"|chat|{XSS_PLAYER}|<script>alert(4)</script>",
        "|move|p1a: Tauros|Body Slam|p2a: Snorlax",
        "|-damage|p2a: Snorlax|0 fnt",
        "|faint|p2a: Snorlax",
        f"|win|{XSS_PLAYER}",
    ]
    row = {
        column.name: getattr(first, column.name)
        for column in Battle.__table__.columns
        if column.name != "id"
    }
    row |= {
        "pairing": f"{XSS_AGENT} vs opponent",
        "pair_index": 0,
        "game": 0,
        "p1_agent_id": hostile,
        "p1_team": XSS_TEAM,
        "winner": 0,
        "end_reason": "normal",
        "p1_log": compress_log(log),
    }
    ladder = row | {
        "tournament_id": None,
        "ladder": XSS_PLAYER,
        "username": XSS_ACCOUNT,
        "p2_agent_id": store.ladder_opponent_id(XSS_PLAYER, XSS_AGENT),
        "rating_before": 1000.0,
        "rating_after": 1016.0,
    }
    with store.engine.begin() as connection:
        connection.execute(insert(Battle), ladder)
        return connection.execute(insert(Battle).returning(Battle.id), row).scalar_one()


def _wait_for_serving(process, port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"arena web exited: {process.stderr.read()}")
        try:
            urllib.request.urlopen(url + "/api/tournaments", timeout=2).read()
            return url
        except OSError:
            time.sleep(0.2)
    raise AssertionError("arena web did not answer within 30 s")


def _add_hostile_run(runs: Path) -> None:
    """A training run whose directory, verdict, opponent and alarm carry HTML payloads."""
    folder = runs / XSS_AGENT
    folder.mkdir(parents=True)
    lines = [
        {"epoch": 0, "nll": 1.5, "ess": 1.0, "verdict": f"initial policy {XSS_PLAYER}"},
        {
            "epoch": 1,
            "nll": 1.2,
            "ess": float("nan"),
            "verdict": f"learning {XSS_TEAM}",
            "evaluation": {
                XSS_ACCOUNT: {
                    "win_rate": 0.2,
                    "low": 0.1,
                    "high": 0.3,
                    "games": 10,
                    "regression": True,
                }
            },
        },
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (folder / "metrics.jsonl").write_text(text + '{"epoch": 2, "nll"')  # epoch 2 half written


@pytest.fixture(scope="module")
def site(server, tmp_path_factory):
    """The store's URL, the dashboard's base URL and the hostile battle's id; the
    dashboard reads training runs from `runs/` beside the store."""
    folder = tmp_path_factory.mktemp("web")
    db = f"sqlite:///{folder / 'arena.db'}"
    played = run_arena(*_play(server, db, TOURNAMENT, "random,grunt,gym-leader", 2))
    assert played.returncode == 0, played.stderr
    evaluated = run_arena(
        "evaluate", "gym-leader", "--incumbent", "random", "--opponents", "grunt",
        "--max-pairs", "3", "--elo1", "150", "--name", EVALUATION,
        "--server", server.websocket_url, "--db", db,
    )  # fmt: skip
    assert evaluated.returncode in (0, 11), evaluated.stderr  # PROMOTE or INCONCLUSIVE
    hostile = _add_hostile_battle(db)
    _add_hostile_run(folder / "runs")
    port = free_port()
    process = start_arena("web", "--db", db, "--port", str(port), "--runs", str(folder / "runs"))
    try:
        yield db, _wait_for_serving(process, port), hostile
    finally:
        process.terminate()
        process.wait(timeout=10)


RUN = "gen1"


@pytest.fixture(scope="module")
def trained(site, server, tmp_path_factory):
    """A real one-epoch training run written where the dashboard reads runs, its
    gauntlets played on the session's server into the dashboard's store."""
    db, url, _ = site
    runs = Path(db.removeprefix("sqlite:///")).parent / "runs"
    data = synthetic.write(
        tmp_path_factory.mktemp("train") / "data", synthetic.two_actions(battles=100, seed=0)
    )
    result = run_arena(
        "train", "--size", "tiny", "--data", str(data), "--out", str(runs / RUN),
        "--epochs", "1", "--steps-per-epoch", "40", "--batch", "32",
        "--eval-opponents", "random", "--eval-games", "2",
        "--server", server.websocket_url, "--db", db,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    history = [json.loads(line) for line in (runs / RUN / "metrics.jsonl").read_text().splitlines()]
    return db, url, history


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _cli_leaderboard(db: str, tmp_path) -> list[dict]:
    out = tmp_path / "board.json"
    result = run_arena("leaderboard", "--tournament", TOURNAMENT, "--json", str(out), "--db", db)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


def _tournament_id(url: str) -> int:
    _, body = _get(url + "/api/tournaments")
    return next(t["id"] for t in json.loads(body) if t["name"] == TOURNAMENT)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --dev installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every dialog and page error instead of letting them pass."""
    context = browser.new_context()
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_api_leaderboard_is_the_cli_export(site, tmp_path):
    db, url, _ = site
    _, body = _get(f"{url}/api/tournaments/{_tournament_id(url)}")
    assert json.loads(body)["leaderboard"] == _cli_leaderboard(db, tmp_path)


def test_csv_downloads_are_the_cli_exports(site, tmp_path):
    db, url, _ = site
    tournament = _tournament_id(url)
    for command, path in (("leaderboard", "leaderboard.csv"), ("matrix", "matrix.csv")):
        out = tmp_path / path
        result = run_arena(command, "--tournament", TOURNAMENT, "--csv", str(out), "--db", db)
        assert result.returncode == 0, result.stderr
        status, body = _get(f"{url}/tournaments/{tournament}/{path}")
        assert status == 200
        assert body == out.read_text()


def test_tournament_list_shows_progress_through_the_schedule(site):
    _, url, _ = site
    _, body = _get(url + "/api/tournaments")
    (row,) = [t for t in json.loads(body) if t["name"] == TOURNAMENT]
    assert (row["battles"], row["expected"], row["status"]) == (7, 6, "finished")
    (gate,) = [t for t in json.loads(body) if t["name"] == f"evaluation:{EVALUATION}"]
    assert gate["expected"] is None and gate["battles"] > 0


def test_unknown_ids_are_404_and_bad_parameters_400(site):
    _, url, _ = site
    tournament = _tournament_id(url)
    for path in (
        "/tournaments/999",
        "/battles/999",
        "/agents/999",
        "/evaluations/999",
        "/runs/nothing",
        "/runs/..%2F..%2Fetc",
        "/x",
    ):
        assert _get(url + path)[0] == 404, path
        assert _get(url + "/api" + path)[0] == 404, path
    for query in ("result=won", "end=later", "page=0", "page=two", "result=win", "agent=nobody"):
        status, body = _get(f"{url}/api/tournaments/{tournament}/battles?{query}")
        assert status == 400 and json.loads(body)["error"], query
    assert _get(url + "/battles/1?side=p3")[0] == 400


def test_a_missing_store_is_one_clear_line(tmp_path):
    result = run_arena("web", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"arena: no store at {tmp_path / 'none.db'}: pass --db with an existing store"
    ]
    assert not (tmp_path / "none.db").exists()


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_web", REPO / "scripts" / "bench_web.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pages_over_postgresql_agree_with_the_cli(postgres_url, tmp_path):
    """The same pages over a PostgreSQL store (synthetic battles, as the benchmark makes)."""
    tournament = _bench_module().build_store(postgres_url, 120, 4, seed=1)
    port = free_port()
    process = start_arena("web", "--db", postgres_url, "--port", str(port))
    try:
        url = _wait_for_serving(process, port)
        for path in ("/", f"/tournaments/{tournament}", "/agents", "/ladder", "/evaluations"):
            assert _get(url + path)[0] == 200, path
        _, body = _get(f"{url}/api/tournaments/{tournament}")
        out = tmp_path / "board.json"
        result = run_arena(
            "leaderboard", "--tournament", "bench", "--json", str(out), "--db", postgres_url
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(body)["leaderboard"] == json.loads(out.read_text())
        _, battles = _get(f"{url}/api/tournaments/{tournament}/battles?agent=agent-0&result=win")
        wins = next(r["wins"] for r in json.loads(out.read_text()) if r["agent"] == "agent-0")
        assert json.loads(battles)["total"] == wins
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_leaderboard_page_shows_the_cli_numbers(site, page, tmp_path):
    db, url, _ = site
    page.goto(f"{url}/tournaments/{_tournament_id(url)}")
    rows = page.locator("#leaderboard tbody tr")
    expected = _cli_leaderboard(db, tmp_path)
    assert rows.count() == len(expected)
    for index, want in enumerate(expected):
        cells = rows.nth(index)
        assert cells.locator(".agent").inner_text() == want["agent"]
        assert cells.locator(".games").inner_text() == str(want["games"])
        assert (
            cells.locator(".wlt").inner_text() == f"{want['wins']}-{want['losses']}-{want['ties']}"
        )
        assert cells.locator(".elo").inner_text() == (
            f"{want['bt_elo']:.0f} ({interval_text(want['bt_elo_low'], want['bt_elo_high'])})"
        )
        assert cells.locator(".win-rate").inner_text().startswith(f"{want['win_rate']:.1%}")
    assert page.locator("#matrix td.cell").count() > 0
    assert page.errors == []


def test_battle_filter_finds_each_agents_wins(site, page, tmp_path):
    db, url, _ = site
    page.goto(f"{url}/tournaments/{_tournament_id(url)}")
    board = {row["agent"]: row for row in _cli_leaderboard(db, tmp_path)}
    for agent in ("grunt", "gym-leader"):
        page.select_option("select[name=agent]", agent)
        page.select_option("select[name=result]", "win")
        page.click("#battle-filter button")
        page.wait_for_load_state()
        winners = page.locator("#battles tbody tr td:nth-child(7)").all_inner_texts()
        assert winners == [agent] * board[agent]["wins"]


def test_replay_steps_through_a_battle_to_its_winner(site, page):
    _, url, _ = site
    page.goto(f"{url}/battles/1")
    winner = page.locator("#winner").inner_text()
    _, body = _get(f"{url}/api/battles/1")
    assert winner == json.loads(body)["winner"]
    turns = int(page.locator("#replay").get_attribute("data-turns"))
    page.click("#first")
    assert page.locator("#turn-label").inner_text() == "Start"
    for _ in range(turns - 1):
        page.click("#next")
    visible = page.locator("#replay .turn:visible")
    assert visible.count() == 1
    assert visible.locator("h3").inner_text() == f"Turn {turns - 1}"
    assert " wins" in visible.locator("pre").inner_text()
    battle = json.loads(body)
    if battle["end_reason"] == "normal":  # every Pokémon of the loser was sent out and fainted
        loser_side = "p2" if battle["winner"] == battle["p1"] else "p1"
        loser = visible.locator(f".team-{loser_side} .hp-text").all_inner_texts()
        assert loser and set(loser) == {"0%"}
    page.click("#previous")
    assert page.locator("#turn-label").inner_text() == f"Turn {turns - 2}"


def test_no_page_runs_a_script_from_the_store(site, page):
    _, url, hostile = site
    tournament = _tournament_id(url)
    _, agents = _get(url + "/api/agents")
    hostile_agent = next(a["id"] for a in json.loads(agents) if a["name"] == XSS_AGENT)
    paths = [
        "/",
        f"/tournaments/{tournament}",
        f"/battles/{hostile}",
        f"/battles/{hostile}?side=p1",
        "/agents",
        f"/agents/{hostile_agent}",
        "/ladder",
        "/evaluations",
        "/runs",
        f"/runs/{quote(XSS_AGENT)}",
        "/lineages",
        "/nothing/here",
        f"/tournaments/{tournament}?result=none",
    ]
    for path in paths:
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
    assert page.dialogs == [] and page.errors == []
    page.goto(f"{url}/tournaments/{tournament}")
    assert XSS_AGENT in page.locator("#leaderboard").inner_text()  # shown, as text
    page.goto(f"{url}/battles/{hostile}")
    assert XSS_TEAM in page.locator("main").inner_text()
    assert f"{XSS_PLAYER} wins" in page.locator("#replay").inner_text()
    assert page.locator("img[src=x]").count() == 0 and page.dialogs == []
    page.goto(f"{url}/ladder")
    assert XSS_ACCOUNT in page.locator("#ladder").inner_text()
    assert XSS_ACCOUNT in page.locator("#ladder-chart").inner_text()  # the chart's legend
    page.goto(f"{url}/runs")
    assert XSS_AGENT in page.locator("#runs").inner_text()
    page.goto(f"{url}/runs/{quote(XSS_AGENT)}")
    assert page.locator("#run-name").inner_text() == XSS_AGENT
    assert XSS_TEAM in page.locator("#markers").inner_text()
    assert XSS_ACCOUNT in page.locator("#win-rate-chart").inner_text()  # the chart's legend
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == [] and page.errors == []


def test_evaluation_page_shows_the_stored_sprt(site, page):
    db, url, _ = site
    row = Store.open(db).evaluation(EVALUATION)
    page.goto(f"{url}/evaluations")
    page.click(f"text={EVALUATION}")
    counts = page.locator("#pentanomial td").all_inner_texts()
    assert [int(n) for n in counts] == json.loads(row.pentanomial)
    assert f"after {row.pairs} pairs" in page.locator("#verdict").inner_text()
    assert f"LLR {row.llr:.3f}" in page.locator("#verdict").inner_text()
    assert (row.verdict or "none yet") in page.locator("#verdict").inner_text()
    assert page.locator("#llr-chart canvas").count() == 1  # uPlot, served by arena
    report = json.loads(row.report)
    assert f"Elo {report['elo']['elo']:+.1f}" in page.locator("#elo").inner_text()
    shown = page.locator("#gauntlet tbody tr td:first-child").all_inner_texts()
    assert shown == [g["opponent"] for g in report["gauntlet"]]
    alarms = [f"{a['kind']}: {a['message']}" for a in report["alarms"]]
    assert page.locator("#alarms li").all_inner_texts() == (alarms or ["none"])
    assert page.errors == []


def test_a_running_tournament_updates_without_a_reload(site, server, page):
    db, url, _ = site
    background = start_arena(*_play(server, db, "live", "random,grunt", 6), "--concurrency", "1")
    try:
        deadline = time.monotonic() + 60
        live = None
        while live is None and time.monotonic() < deadline:
            _, body = _get(url + "/api/tournaments")
            live = next((t for t in json.loads(body) if t["name"] == "live"), None)
            time.sleep(0.2)
        assert live is not None, "the background tournament never appeared"
        page.goto(f"{url}/tournaments/{live['id']}")
        shown = int(page.locator("#battle-count").inner_text())
        assert shown < 6, "the tournament finished before the page could watch it"
        count = page.locator("#battle-count")
        deadline = time.monotonic() + 90  # polled from here: the page's policy forbids eval
        while int(count.inner_text()) <= shown and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert int(count.inner_text()) > shown
        assert page.errors == []
    finally:
        background.wait(timeout=120)
    assert background.returncode == 0


def _strict_json(body: str):
    """JSON as a browser's parser reads it: NaN or Infinity is an error."""
    return json.loads(body, parse_constant=lambda word: pytest.fail(f"{word} in the JSON"))


def test_run_api_has_every_epoch_and_its_stored_gauntlets(trained):
    db, url, history = trained
    _, listed = _get(url + "/api/runs")
    (row,) = [r for r in _strict_json(listed) if r["name"] == RUN]
    assert (row["epochs"], row["verdict"]) == (1, history[-1]["verdict"])
    run = _strict_json(_get(f"{url}/api/runs/{RUN}")[1])
    assert run["epochs"] == [0, 1]
    assert run["charts"]["held-out NLL"]["nll"] == [h["nll"] for h in history]
    assert run["charts"]["training losses"]["actor_loss"] == [None, history[1]["actor_loss"]]
    assert [m["verdict"] for m in run["markers"]] == [h["verdict"] for h in history]
    store = Store.open(db)
    met = set()
    for epoch, record in enumerate(history):
        gauntlet = store.tournament(f"train:{RUN}:epoch-{epoch}")
        assert run["gauntlets"][str(epoch)] == gauntlet.id
        for opponent, written in record["evaluation"].items():
            shown = run["win_rates"][opponent][epoch]
            assert shown["source"] == "store"
            assert [shown[k] for k in ("win_rate", "low", "high", "games")] == [
                written[k] for k in ("win_rate", "low", "high", "games")
            ]
            met.add(opponent)
    assert set(run["win_rates"]) == met and len(met) == 2  # random, then epoch 0 too
    newcomer = next(name for name in met if name != "random")
    assert run["win_rates"][newcomer][0] is None  # epoch 0 did not meet itself


def test_a_half_written_epoch_and_nan_metrics_leave_the_run_readable(site):
    _, url, _ = site
    status, body = _get(f"{url}/api/runs/{quote(XSS_AGENT)}")
    assert status == 200
    run = _strict_json(body)
    assert run["epochs"] == [0, 1]
    assert run["charts"]["effective sample size"]["ess"] == [1.0, None]
    assert run["markers"][1]["alarms"] == [f"regression vs {XSS_ACCOUNT}"]
    assert run["win_rates"][XSS_ACCOUNT][1]["source"] == "metrics"


def test_run_page_draws_its_curves_and_marks_verdicts(trained, page):
    _, url, history = trained
    page.goto(url + "/runs")
    page.click(f"#runs a:text-is('{RUN}')")
    assert page.locator("#run-name").inner_text() == RUN
    charts = _strict_json(_get(f"{url}/api/runs/{RUN}")[1])["charts"]
    assert page.locator("#run-charts canvas").count() == len(charts) + 1  # + win rates
    assert page.locator("#markers .verdict").all_inner_texts() == [h["verdict"] for h in history]
    first = history[0]["evaluation"]["random"]
    headers = page.locator("#win-rates thead th").all_inner_texts()
    cells = page.locator("#win-rates tbody tr").nth(0).locator("td").all_inner_texts()
    assert cells[headers.index("random")].startswith(f"{first['win_rate']:.1%}")
    assert page.errors == []


LINEAGE = "web-lineage"


@pytest.fixture(scope="module")
def lineage(site):
    """One generation of a real `arena loop` from the base model, in the dashboard's store."""
    db, url, _ = site
    runs = Path(db.removeprefix("sqlite:///")).parent / "lineage-runs"
    result = run_arena(
        "loop", "--init", "base", "--generations", "1", "--selfplay-games", "2",
        "--opponents", "random", "--epochs", "1", "--steps-per-epoch", "20", "--batch", "32",
        "--max-pairs", "3", "--elo1", "150", "--concurrency", "8",
        "--name", LINEAGE, "--runs", str(runs), "--db", db,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    shown = run_arena("lineage", LINEAGE, "--json", "-", "--db", db)
    assert shown.returncode == 0, shown.stderr
    return url, json.loads(shown.stdout)


def test_lineage_api_is_the_cli_export(lineage):
    url, cli = lineage
    status, body = _get(url + "/api/lineages")
    assert status == 200
    assert [row for row in _strict_json(body) if row["lineage"] == LINEAGE] == cli


def test_lineage_page_hangs_each_generation_under_its_parent(lineage, page):
    url, (generation,) = lineage
    page.goto(url + "/lineages")
    section = page.locator("section.lineage", has_text=LINEAGE)
    assert section.locator("ul.tree > li > .checkpoint").inner_text() == generation["parent"]
    child = section.locator("ul.tree > li > ul > li")
    assert child.locator(".checkpoint").inner_text() == generation["checkpoint"]
    assert child.locator(".verdict").inner_text() == generation["verdict"]
    assert f"after {generation['pairs']} pairs" in child.inner_text()
    for opponent, rate in generation["win_rates"].items():
        assert f"vs {opponent} {rate:.1%}" in child.inner_text()
    assert page.errors == []


SELFPLAY = "web-selfplay"


GAUNTLET = "web-gauntlet"


PROMOTION = "web-promotion"


BOARD_ACCOUNTS = ("board-grunt", "board-random")


def _add_board_games(db: str) -> None:
    """Two games of the local board between baseline accounts, recorded as `arena board`
    records them (`Store.record_battle` on the `local` ladder): a board needs a login
    server and a matchmaker, which the ladder and board tests start."""
    store = Store.open(db)
    first = store.battle(1)
    lines = decompress_log(first.p1_log).splitlines()
    grunt = store.agent_id(resolve("grunt"))
    for game, (mine, theirs) in enumerate((BOARD_ACCOUNTS, BOARD_ACCOUNTS[::-1])):
        opponent = f"local:{theirs}"
        record = GameRecord(
            battle_tag=f"battle-gen1ou-board-{game}",
            seats=(
                Seat(mine, first.p1_team, BattleLog(lines=lines)),
                Seat(opponent, first.p2_team, BattleLog(lines=[], choices=None)),
            ),
            winner=game % 2,
            turns=first.turns,
            duration=1.0,
            end_reason="normal",
        )
        ids = {mine: grunt, opponent: store.ladder_opponent_id(SERVER, theirs)}
        store.record_battle(
            None, f"{mine} vs {theirs}", 0, first.format, record, ids, ladder=SERVER,
            rating=(1000.0, 1016.0 - 32 * game), username=mine,
        )  # fmt: skip


def _add_human_game(db: str) -> None:
    """A game against a person, stored as `arena play` stores one (the browser test plays
    one for real)."""
    store = Store.open(db)
    first = store.battles_with_logs([1])[0]
    person, grunt = human_spec("Ada"), resolve("grunt")
    record = GameRecord(
        battle_tag="battle-gen1ou-human",
        seats=(
            Seat(
                person.name,
                first.p1_team,
                BattleLog(lines=decompress_log(first.p1_log).splitlines()),
            ),
            Seat(
                grunt.name,
                first.p2_team,
                BattleLog(lines=decompress_log(first.p2_log).splitlines()),
            ),
        ),
        winner=1,
        turns=first.turns,
        duration=60.0,
        end_reason="normal",
    )
    ids = {person.name: store.agent_id(person), grunt.name: store.agent_id(grunt)}
    store_game(store, human_tournament(store, first.format), first.format, record, ids)


@pytest.fixture(scope="module")
def every_kind(site, trained, lineage, server, tmp_path_factory):
    """The dashboard's store once it holds every kind of tournament arena writes: the
    round robin, evaluation and ladder game of `site`, the epoch gauntlets of `trained`,
    the loop generation of `lineage`, and here a gauntlet, a self-play run, a
    promotion's round robin of two epochs (and its evaluation), board games, a game
    against a person and an imported replay."""
    db, url, _ = site
    run = tmp_path_factory.mktemp("promote") / "two-epochs"
    run.mkdir()
    for epoch in (1, 2):
        initialise(PolicyConfig.sized("tiny"), seed=epoch).save(run / f"policy_epoch_{epoch}.pt")
    at = ("--server", server.websocket_url, "--db", db)
    for args in (
        ("tournament", "--agents", "grunt,random,max-power", "--games-per-pair", "2",
         "--mode", "gauntlet", "--candidate", "grunt", "--name", GAUNTLET, *at),
        ("selfplay", "grunt", "--opponents", "random", "--games", "4", "--name", SELFPLAY, *at),
        ("promote", str(run), "--incumbent", "random", "--games-per-pair", "2",
         "--opponents", "max-power", "--max-pairs", "2", "--elo1", "150",
         "--name", PROMOTION, *at),
        ("data", "import", str(REPO / "tests/data/replays/gen1ou-arena1.json"), "--db", db),
    ):  # fmt: skip
        result = run_arena(*args)
        assert result.returncode in (0, 11), result.stderr  # 11: a gate left undecided
    _add_board_games(db)
    _add_human_game(db)
    return db, url


def _api(url: str, path: str):
    status, body = _get(url + path)
    assert status == 200, (path, body[:300])
    return _strict_json(body)


def test_the_store_holds_every_kind(every_kind):
    db, _ = every_kind
    store = Store.open(db)
    assert {t.kind for t in store.tournaments()} == set(TournamentKind)
    assert {b.ladder for b in store.ladder_battles()} == {XSS_PLAYER, SERVER}
    assert store.lineage(LINEAGE) is not None


def _routes(url: str) -> list[str]:
    """Every page and API route, with each id the store holds and a battle of each
    tournament."""
    paths = ["/", "/agents", "/agents.csv", "/ladder", "/evaluations", "/runs", "/lineages"]
    paths.append("/play")  # on a dashboard without play: how to enable it
    for tournament in _api(url, "/api/tournaments"):
        base = f"/tournaments/{tournament['id']}"
        paths += [base, f"{base}/leaderboard.csv", f"{base}/matrix.csv", f"{base}/battles.csv"]
        paths.append(f"/api{base}/battles")
        battles = _api(url, f"/api{base}/battles")["battles"]
        if battles:
            paths += [f"/battles/{battles[-1]['id']}", f"/battles/{battles[-1]['id']}/log/p1"]
    for agent in _api(url, "/api/agents"):
        paths += [f"/agents/{agent['id']}", f"/agents/{agent['id']}/behaviour"]
        paths.append(f"/api/agents/{agent['id']}/behaviour")
    paths += [f"/evaluations/{e['id']}" for e in _api(url, "/api/evaluations")]
    paths += [f"/runs/{quote(r['name'])}" for r in _api(url, "/api/runs")]
    api = [  # an agent's page and the downloads have no JSON twin
        "/api" + p
        for p in paths
        if p != "/" and not p.startswith(("/api/", "/agents/")) and not p.endswith((".csv", "/p1"))
    ]
    return paths + api + ["/api/tournaments"]


def test_every_route_answers_200_in_chromium_without_a_console_error(every_kind, page):
    _, url = every_kind
    console = []
    page.on(
        "console",
        lambda m: console.append(f"{m.text} at {page.url}") if m.type == "error" else None,
    )
    statuses = {}
    for path in _routes(url):
        if path.endswith((".csv", "/log/p1")):
            statuses[path] = _get(url + path)[0]  # a download, not a page
            continue
        response = page.goto(url + path)
        page.wait_for_load_state("networkidle")
        statuses[path] = response.status
    assert {p: s for p, s in statuses.items() if s != 200} == {}
    assert len(statuses) > 60
    assert console == [] and page.errors == [] and page.dialogs == []


def test_selfplay_is_listed_with_its_schedule_and_its_battles_reachable(every_kind, page):
    db, url = every_kind
    (row,) = [t for t in _api(url, "/api/tournaments") if t["name"] == SELFPLAY]
    assert (row["kind"], row["battles"], row["expected"]) == ("selfplay", 8, 8)
    page.goto(url + "/")
    page.click(f"#tournaments a:text-is('{SELFPLAY}')")
    page.locator("#battles tr", has_text="grunt vs grunt#2").first.locator("a").click()
    assert page.url.startswith(f"{url}/battles/")
    assert page.locator("#replay").inner_text()
    assert page.errors == []


def test_agents_count_a_mirror_game_once(every_kind):
    db, url = every_kind
    store = Store.open(db)
    grunt = store.agent_id(resolve("grunt"))
    games = [b for b in store.all_battles() if grunt in (b.p1_agent_id, b.p2_agent_id)]
    won = [
        b
        for b in games
        if b.p1_agent_id != b.p2_agent_id
        and b.winner is not None
        and (b.p1_agent_id, b.p2_agent_id)[b.winner] == grunt
    ]
    (row,) = [a for a in _api(url, "/api/agents") if a["id"] == grunt]
    assert (row["games"], row["wins"]) == (len(games), len(won))
    selfplay = store.tournament(SELFPLAY).id
    _, body = _get(f"{url}/agents/{grunt}")
    in_selfplay = [b for b in games if b.tournament_id == selfplay]
    assert f">{SELFPLAY}</a></td><td>self-play run</td><td>{len(in_selfplay)}</td>" in body


def test_an_agents_behaviour_page_shows_its_profile(every_kind, page):
    db, url = every_kind
    store = Store.open(db, readonly=True)
    grunt = store.agent_id(resolve("grunt"))
    rates = profile_of_id(store, grunt, "grunt").rates()
    assert _api(url, f"/api/agents/{grunt}/behaviour") == json_rows(rates)
    assert sum(r.n for r in rates) > 0
    page.goto(f"{url}/agents/{grunt}")
    page.click("#behaviour-link")
    assert page.url == f"{url}/agents/{grunt}/behaviour"
    assert page.locator("#behaviour tbody tr").count() == len(rates)
    assert page.errors == []


def test_no_id_or_query_value_answers_500(every_kind):
    _, url = every_kind
    tournament = _tournament_id(url)
    ids = [
        "0", "1", "-1", "01", "9223372036854775807", "9223372036854775808", "1" * 30,
        "%C2%B2", "%D9%A1", "1.5", "1e3", "%00", "%20", "x", "..", "%2F",
    ]  # fmt: skip
    paths = []
    for value in ids:
        paths += [f"/tournaments/{value}", f"/api/tournaments/{value}", f"/battles/{value}"]
        paths += [f"/api/battles/{value}", f"/evaluations/{value}", f"/api/evaluations/{value}"]
        paths += [f"/agents/{value}", f"/battles/{value}/log/p1", f"/tournaments/{value}.csv"]
        paths += [f"/tournaments/{value}/battles.csv", f"/api/tournaments/{value}/battles"]
    values = [*ids, "", "99999999999999999999999999", "9" * 5000, "%C2%B2", "p1", "p3", "tie"]
    for key in ("page", "agent", "result", "end", "side"):
        for value in values:
            paths += [f"/api/tournaments/{tournament}/battles?{key}={value}"]
            paths += [f"/tournaments/{tournament}?{key}={value}&agent=grunt"]
            paths += [f"/battles/1?{key}={value}", f"/battles/1/log/{value}"]
    failed = {}
    for path in paths:
        status, body = _get(url + path)
        if status >= 500 or status not in (200, 400, 404):
            failed[path] = (status, body[:200])
    assert failed == {}
    status, body = _get(f"{url}/api/tournaments/{tournament}/battles?page=9223372036854775808")
    assert status == 200 and _strict_json(body)["battles"] == []


def _request(url: str, path: str, host: str) -> tuple[int, dict]:
    request = urllib.request.Request(url + path, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_only_the_dashboards_own_host_names_are_answered(every_kind):
    _, url = every_kind
    port = url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert _request(url, "/api/tournaments", host)[0] == 200, host
    for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1", f"10.0.0.1:{port}"):
        for path in ("/", "/api/tournaments", "/static/arena.js", "/nothing"):
            assert _request(url, path, host)[0] == 421, (host, path)


def test_every_response_carries_the_security_headers(every_kind):
    _, url = every_kind
    for path in ("/", "/api/tournaments", "/static/arena.js", "/nothing", "/agents.csv"):
        _, headers = _request(url, path, url.removeprefix("http://"))
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
