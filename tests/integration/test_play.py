"""`arena web --play` in Chromium: a scripted person plays a whole battle by clicking.

One short game against the random bot on simulator hosts, started from the page; the
stored battle must be what the page showed (the person's choices, the winner), stored
as any game is, in the `human` tournament, and every forged write is refused.
"""

import json
import time
import urllib.request

import pytest
from poke_env.data import to_id_str

from arena.kinds import TournamentKind
from arena.showdown.server import free_port
from arena.store.database import Store
from arena.store.tables import decode_choices, decompress_log
from arena.web.play_session import tournament_name
from tests.conftest import run_arena, start_arena
from tests.integration.test_web import browser, page  # noqa: F401  (fixtures)

NAME = "tester"
SEND = """async ([url, body, type]) => {
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": type}, body});
  return [r.status, await r.json()];
}"""


def _serving(port: int, process) -> str:
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"arena web exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url + "/api/play", timeout=2) as answer:
                assert json.loads(answer.read())["play"] is True
                return url
        except OSError:
            time.sleep(0.2)
    raise AssertionError("arena web --play did not answer within 60 s")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """A play-enabled dashboard on a new store: its store URL and base URL."""
    db = f"sqlite:///{tmp_path_factory.mktemp('play') / 'arena.db'}"
    port = free_port()
    process = start_arena("web", "--play", "--db", db, "--port", str(port), "--clock", "60")
    try:
        yield db, _serving(port, process), port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _send(page, url: str, body, content_type: str = "application/json") -> tuple[int, dict]:  # noqa: F811
    text = body if isinstance(body, str) else json.dumps(body)
    return tuple(page.evaluate(SEND, [url, text, content_type]))


def _view(url: str, game: str) -> dict:
    with urllib.request.urlopen(f"{url}/api/play/{game}", timeout=10) as answer:
        return json.loads(answer.read())


def test_a_person_plays_a_whole_battle_by_clicking_and_it_is_stored_as_shown(dashboard, page):  # noqa: F811
    db, url, _ = dashboard
    page.goto(f"{url}/play?agent=random&name={NAME}")
    page.fill("#pasted", "Mewtwo\n- Psychic\n- Recover\n")  # an Uber: not in OU
    page.click("#start")
    page.wait_for_selector("#start-error:not(:empty)")
    assert "your team is not legal in gen1ou" in page.inner_text("#start-error")
    assert page.url.endswith("/play?agent=random&name=tester")
    page.fill("#pasted", "")
    team = page.locator("#team option").nth(1).get_attribute("value")
    page.select_option("#team", team)
    page.click("#start")
    page.wait_for_url(f"{url}/play/*")
    game = page.url.rsplit("/", 1)[1]
    choice_url = f"/api/play/{game}/choice"

    first = page.locator(".options button:not([disabled])").first
    first.wait_for()
    pending = _view(url, game)["request"]
    legal = pending["options"][0]["key"]
    assert _send(page, choice_url, {"rqid": pending["rqid"] + 1000, "choice": legal})[0] == 409
    status, answer = _send(page, choice_url, {"rqid": pending["rqid"], "choice": "move:nomove"})
    assert status == 409 and "not a legal choice" in answer["error"]
    assert _send(page, choice_url, f"rqid={pending['rqid']}", "text/plain")[0] == 415
    page.wait_for_selector("#clock:has-text('s left')")
    assert page.locator("#yours .mon .hp-fill").count() == 6  # the person's whole team
    moves = page.locator("#moves button").all_inner_texts()
    assert moves and all("power" in m and "accuracy" in m and "PP" in m for m in moves)

    while page.locator("#game[data-over='yes']").count() == 0:
        page.wait_for_selector("#game[data-over='yes'], .options button:not([disabled])")
        buttons = page.locator(".options button:not([disabled])")
        if buttons.count():
            buttons.first.click()
    assert page.errors == [] and page.dialogs == []

    view = _view(url, game)
    battle_id = int(page.locator("#game").get_attribute("data-battle"))
    shown_choices = page.locator("#choices li").all_inner_texts()
    shown_winner = page.locator("#winner").inner_text()
    status, answer = _send(page, choice_url, {"rqid": pending["rqid"], "choice": legal})
    assert status == 409 and "over" in answer["error"]

    store = Store.open(db)
    tournament = store.tournament(tournament_name("gen1ou"))
    assert tournament.kind == TournamentKind.HUMAN
    (stored,) = store.battles_with_logs([battle_id])
    assert stored.tournament_id == tournament.id
    names = store.agent_names()
    assert (names[stored.p1_agent_id], names[stored.p2_agent_id]) == (f"human:{NAME}", "random")
    assert stored.p1_team == team
    assert [c.order for c in decode_choices(stored.p1_choices)] == shown_choices
    assert len(shown_choices) == stored.p1_decisions > 0
    winner = (
        None
        if stored.winner is None
        else names[(stored.p1_agent_id, stored.p2_agent_id)[stored.winner]]
    )
    assert shown_winner == (f"{winner} wins" if winner else "no winner")
    assert view["result"]["turns"] == stored.turns
    # the page was told only what p1 saw: the opponent's Pokémon it met, in percent
    met = {
        to_id_str(line.split("|")[3].split(",")[0])
        for line in decompress_log(stored.p1_log).splitlines()
        if line.startswith(("|switch|p2a", "|drag|p2a"))
    }
    assert view["theirs"] and all(mon["hp_text"].endswith("%") for mon in view["theirs"])
    assert {mon["species"] for mon in view["theirs"]} <= met


def test_arena_play_uses_the_dashboard_already_serving_play_and_names_a_bad_agent(dashboard):
    _, url, port = dashboard
    used = run_arena("play", "random", "--name", NAME, "--port", str(port), "--no-open")
    assert used.returncode == 0, used.stderr
    assert f"{url}/play?agent=random&name={NAME}" in used.stdout
    unknown = run_arena("play", "no-such-bot", "--port", str(port), "--no-open")
    assert unknown.returncode == 2
    assert unknown.stderr.strip().count("\n") == 0 and "unknown agent" in unknown.stderr
