"""The play pages: a person starts a game against an agent and plays it from the browser.

The dashboard is otherwise read-only; these are its only writes, and they are answered
only when the server was started with play enabled (`arena web --play`, `arena play`).
A write must come as JSON (a form on another site cannot send that without a CORS
preflight, which is never granted) and, when the browser names its origin, from this
dashboard's own host, on top of the host check every request passes. A game's id is a
random token: only the page that started a game can play it.
"""

from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from arena.errors import ArenaError
from arena.web.play_session import PlayHall

PLAY = web.AppKey("play", PlayHall)
ENABLE = "start the dashboard with `arena play AGENT` or `arena web --play` to play"


def install(app: web.Application, hall: PlayHall | None, hosts: web.AppKey) -> None:
    """Adds the play routes; with no hall they show how to enable play and refuse writes."""
    app[PLAY] = hall
    if hall is not None:
        app.on_startup.append(lambda _app: hall.open())
        app.on_cleanup.append(lambda _app: hall.close())
    app.router.add_get("/play", play_page)
    app.router.add_get("/api/play", play_info)
    app.router.add_post("/api/play", _write(hosts, start_game))
    app.router.add_get("/play/{game}", game_page)
    app.router.add_get("/api/play/{game}", game_api)
    app.router.add_post("/api/play/{game}/choice", _write(hosts, choose))


def _write(hosts: web.AppKey, handler: Callable[[web.Request, dict], Awaitable]):
    """A write handler behind the play, origin and JSON checks, given the parsed body."""

    async def guarded(request: web.Request) -> web.Response:
        if request.app[PLAY] is None:
            return _refuse(403, f"play is not enabled on this dashboard: {ENABLE}")
        origin = request.headers.get("Origin")
        if origin is not None and origin.removeprefix("http://") not in request.app[hosts]:
            return _refuse(403, "a write must come from this dashboard's own pages")
        if request.content_type != "application/json":
            return _refuse(415, "send the choice as application/json")
        try:
            body = await request.json()
        except ValueError:
            return _refuse(400, "the body is not JSON")
        if not isinstance(body, dict):
            return _refuse(400, "the body must be a JSON object")
        try:
            return await handler(request, body)
        except ArenaError as error:
            return _refuse(409 if request.match_info.get("game") else 400, str(error))

    return guarded


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _hall(request: web.Request) -> PlayHall:
    hall = request.app[PLAY]
    if hall is None:
        raise web.HTTPNotFound(text=f"play is not enabled on this dashboard: {ENABLE}")
    return hall


def _text(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ArenaError(f"{key} must be text")
    return value


async def play_page(request: web.Request) -> web.Response:
    hall = request.app[PLAY]
    context = {
        "enabled": hall is not None,
        "enable": ENABLE,
        "format": hall.options.battle_format if hall else None,
        "teams": hall.team_names() if hall else [],
        "agent": request.query.get("agent", "gym-leader"),
        "name": request.query.get("name", ""),
        "clock": hall.options.clock if hall else None,
    }
    return aiohttp_jinja2.render_template("play.html", request, context)


async def play_info(request: web.Request) -> web.Response:
    hall = request.app[PLAY]
    if hall is None:
        return web.json_response({"play": False})
    return web.json_response(
        {"play": True, "format": hall.options.battle_format, "teams": hall.team_names()}
    )


async def start_game(request: web.Request, body: dict) -> web.Response:
    hall = _hall(request)
    agent, name = _text(body, "agent"), _text(body, "name")
    if not agent or not name:
        raise ArenaError("name an agent to play and your own name")
    game = await hall.start(agent, name, _text(body, "team"), _text(body, "pasted"))
    return web.json_response({"id": game.id, "url": f"/play/{game.id}"}, status=201)


async def game_page(request: web.Request) -> web.Response:
    game = _game_id(request)
    return aiohttp_jinja2.render_template("play_game.html", request, {"game": game})


async def game_api(request: web.Request) -> web.Response:
    return web.json_response(_hall(request).view(_game_id(request)))


async def choose(request: web.Request, body: dict) -> web.Response:
    hall, game = _hall(request), _game_id(request)
    rqid, choice = body.get("rqid"), body.get("choice")
    if not isinstance(rqid, int) or isinstance(rqid, bool) or not isinstance(choice, str):
        return _refuse(400, "a choice is {rqid: the request's id, choice: one of its options}")
    hall.choose(game, rqid, choice)
    return web.json_response({"ok": True})


def _game_id(request: web.Request) -> str:
    """The path's game, which must be one this dashboard is playing or has played."""
    game = request.match_info["game"]
    if game not in _hall(request).games:
        raise web.HTTPNotFound(text=f"no game {game[:40]!r} on this dashboard")
    return game
