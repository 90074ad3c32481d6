"""Playing against an agent, without a browser: who may write, and which choices count."""

import asyncio
import json
from unittest import mock

import pytest
from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request

from arena.errors import ArenaError
from arena.game.battle import GameRecord, Seat
from arena.game.human import HumanPlayer, Refused, Waiting, human_spec
from arena.game.player import BattleLog
from arena.kinds import TournamentKind
from arena.models.registry import resolve
from arena.report.leaderboard import stored_standings
from arena.store.database import Store
from arena.web import play
from arena.web.play_session import (
    PlayHall,
    PlayOptions,
    human_tournament,
    store_game,
    tournament_name,
)

HOST = "127.0.0.1:8765"
HOSTS = web.AppKey("hosts", frozenset)


async def _post(hall: PlayHall | None, headers: dict, body: bytes = b"{}") -> web.Response:
    app = web.Application()
    app[HOSTS] = frozenset({HOST})
    play.install(app, hall, HOSTS)
    request = make_mocked_request(
        "POST", "/api/play", headers={"Host": HOST, **headers}, app=app, payload=_payload(body)
    )
    return await play._write(HOSTS, _accepted)(request)


async def _accepted(_request, body: dict) -> web.Response:
    return web.json_response({"got": body})


def _payload(data: bytes) -> streams.StreamReader:
    """A request body that reads as `data`, as aiohttp's own tests make one."""
    reader = streams.StreamReader(
        mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop()
    )
    reader.feed_data(data)
    reader.feed_eof()
    return reader


JSON = {"Content-Type": "application/json"}


async def test_writes_are_refused_unless_play_is_enabled():
    refused = await _post(None, JSON)
    assert refused.status == 403 and "not enabled" in json.loads(refused.text)["error"]


async def test_writes_from_another_origin_or_not_as_json_are_refused():
    hall = PlayHall(store=None, options=PlayOptions())
    assert (await _post(hall, JSON | {"Origin": "http://evil.example"})).status == 403
    assert (await _post(hall, {"Content-Type": "text/plain"})).status == 415
    accepted = await _post(hall, JSON | {"Origin": f"http://{HOST}"}, b'{"a": 1}')
    assert accepted.status == 200 and json.loads(accepted.text) == {"got": {"a": 1}}


async def test_a_choice_must_answer_the_pending_request_with_one_of_its_options():
    person = HumanPlayer.__new__(HumanPlayer)  # the mailbox alone: no client, no battle
    person.waiting = None
    with pytest.raises(Refused, match="no decision is pending"):
        person.submit(3, "move:tackle")
    answer = asyncio.get_running_loop().create_future()
    person.waiting = Waiting(3, {"move:tackle": object()}, 0.0, answer)
    with pytest.raises(Refused, match="not the pending request"):
        person.submit(4, "move:tackle")
    with pytest.raises(Refused, match="not a legal choice"):
        person.submit(3, "move:explosion")
    person.submit(3, "move:tackle")
    assert answer.result() == "move:tackle"
    with pytest.raises(Refused, match="no decision is pending"):
        person.submit(3, "move:tackle")


def test_a_person_is_the_agent_human_name_of_kind_human():
    spec = human_spec(" Ada ")
    assert (spec.name, spec.kind, spec.import_path) == ("human:Ada", "human", "human:Ada")
    assert spec.identity == human_spec("Ada").identity != human_spec("Bob").identity
    for bad in ("", "a:b", "x" * 41, "tab\there"):
        with pytest.raises(ArenaError):
            human_spec(bad)
    assert TournamentKind.of("human") is TournamentKind.HUMAN


def _game(person: str, agent: str, winner: int) -> GameRecord:
    seats = (Seat(person, "t1", BattleLog(lines=["|start"])), Seat(agent, "t2", BattleLog()))
    return GameRecord(f"battle-{winner}", seats, winner, 12, 30.0, "normal")


def test_games_against_people_are_each_their_own_unit_and_rated_with_intervals(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'arena.db'}")
    person, grunt = human_spec("Ada"), resolve("grunt")
    ids = {person.name: store.agent_id(person), grunt.name: store.agent_id(grunt)}
    tournament = human_tournament(store, "gen1ou")
    assert human_tournament(store, "gen1ou") == tournament
    stored = [
        store_game(store, tournament, "gen1ou", _game(person.name, grunt.name, w), ids)
        for w in (0, 1, 1)
    ]
    battles = {b.id: b for b in store.battles([tournament])}
    assert [battles[i].pair_index for i in stored] == [0, 1, 2]
    assert store.tournament(tournament_name("gen1ou")).kind == TournamentKind.HUMAN
    rows = {row.agent: row for row in stored_standings(store, [tournament])}
    assert (rows["human:Ada"].wins, rows["grunt"].wins) == (1, 2)
    ada = rows["human:Ada"]
    assert ada.bt_elo_low < ada.bt_elo < ada.bt_elo_high  # an interval, never a point
