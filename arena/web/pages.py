"""The dashboard's pages: each route's HTML page and its JSON twin, and CSV downloads.

Read-only: every route here is a GET and the store is only queried, so the dashboard can
run beside tournaments, training and ladder play writing to the same store. Store reads
run in a thread (`asyncio.to_thread`) so one slow page never stalls the others. Every
string from outside (agent and account names, logs, team names) reaches the page through
Jinja's autoescape, and data for the charts through `tojson`, which escapes `<`, `>` and
`&`, inside a `<script type="application/json">` block.
"""

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from arena.report.behaviour import DEFAULT_BATTLES, profile_of_id
from arena.report.export import csv_text, json_rows
from arena.report.leaderboard import COLUMNS
from arena.report.matrix import MATRIX_COLUMNS
from arena.store.database import Store
from arena.store.tables import MAX_ID
from arena.web import runs, views
from arena.web.ratings_cache import RatingsCache
from arena.web.views import BattleFilter

STORE = web.AppKey("store", Store)
RUNS = web.AppKey("runs", Path)  # the folder of training runs
CACHE = web.AppKey("cache", RatingsCache)
# every lineage's generations as JSON rows; the trainer's query, handed in by the CLI
LINEAGES = web.AppKey("lineages", Callable[[Store], list[dict]])


def _id(request: web.Request) -> int:
    """The path's id; anything a store cannot hold as an id is a 404 (digits outside
    ASCII, numbers past the store's integers)."""
    value = request.match_info["id"]
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_ID:
        raise web.HTTPNotFound(text=f"no such id {value[:40]!r}: ids are whole numbers")
    return int(value)


async def _read(request: web.Request, function, *args):
    """A store read, off the event loop."""
    return await asyncio.to_thread(function, request.app[STORE], *args)


def _attachment(text: str, content_type: str, filename: str) -> web.Response:
    """A download: the browser saves it as `filename` rather than showing it."""
    return web.Response(
        text=text,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv(rows, columns: list[str], filename: str) -> web.Response:
    return _attachment(csv_text(rows, columns), "text/csv", filename)


# -- tournaments -------------------------------------------------------------------------


async def tournaments_page(request: web.Request) -> web.Response:
    rows = await _read(request, views.tournaments)
    return aiohttp_jinja2.render_template("tournaments.html", request, {"tournaments": rows})


async def tournaments_api(request: web.Request) -> web.Response:
    return web.json_response(json_rows(await _read(request, views.tournaments)))


async def _tournament(request: web.Request) -> tuple[views.TournamentSummary, dict]:
    tournament_id = _id(request)
    summary = await _read(request, views.tournament_summary, tournament_id)
    if summary is None:
        raise web.HTTPNotFound(text=f"no tournament with id {tournament_id}")
    cache = request.app[CACHE]
    ratings = await asyncio.to_thread(cache.ratings, request.app[STORE], tournament_id)
    return summary, ratings


async def _battles(request: web.Request, summary, ratings, paged: bool = True):
    chosen = BattleFilter.parse(request.query, ratings["agents"])
    rows, total = await _read(request, views.battle_rows, summary.id, chosen, paged)
    return chosen, rows, total


async def tournament_page(request: web.Request) -> web.Response:
    summary, ratings = await _tournament(request)
    chosen, rows, total = await _battles(request, summary, ratings)
    context = {
        "t": summary,
        "ratings": ratings,
        "cells": {(c["agent"], c["opponent"]): c for c in ratings["matrix"]},
        "scales": views.bar_scales(ratings["leaderboard"]),
        "filter": chosen,
        "battles": rows,
        "total": total,
        "pages": max(1, -(-total // views.PAGE_SIZE)),
        "results": views.RESULTS,
        "ends": views.ENDS,
    }
    return aiohttp_jinja2.render_template("tournament.html", request, context)


async def tournament_api(request: web.Request) -> web.Response:
    summary, ratings = await _tournament(request)
    public = {key: value for key, value in ratings.items() if key != "rows"}
    return web.json_response({"tournament": json_rows([summary])[0], **public})


async def leaderboard_csv(request: web.Request) -> web.Response:
    summary, ratings = await _tournament(request)
    rows = ratings["rows"]["leaderboard"]
    return _csv(rows, COLUMNS, f"leaderboard-{summary.id}.csv")


async def matrix_csv(request: web.Request) -> web.Response:
    summary, ratings = await _tournament(request)
    return _csv(ratings["rows"]["matrix"], MATRIX_COLUMNS, f"matrix-{summary.id}.csv")


async def battles_csv(request: web.Request) -> web.Response:
    summary, ratings = await _tournament(request)
    _, rows, _ = await _battles(request, summary, ratings, paged=False)
    return _csv(rows, views.BATTLE_COLUMNS, f"battles-{summary.id}.csv")


async def battles_api(request: web.Request) -> web.Response:
    summary, ratings = await _tournament(request)
    chosen, rows, total = await _battles(request, summary, ratings)
    page = {"total": total, "page": chosen.page, "page_size": views.PAGE_SIZE}
    return web.json_response(page | {"battles": json_rows(rows)})


# -- battles -----------------------------------------------------------------------------


async def _battle(request: web.Request) -> dict:
    battle_id = _id(request)
    found = await _read(request, views.battle, battle_id, request.query.get("side"))
    if found is None:
        raise web.HTTPNotFound(text=f"no battle with id {battle_id}")
    return found


async def battle_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("battle.html", request, {"b": await _battle(request)})


async def battle_api(request: web.Request) -> web.Response:
    return web.json_response(await _battle(request))


async def battle_log(request: web.Request) -> web.Response:
    battle_id, side = _id(request), request.match_info["side"]
    log = await _read(request, views.raw_log, battle_id, side)
    if log is None:
        raise web.HTTPNotFound(text=f"no battle with id {battle_id}")
    return _attachment(log, "text/plain", f"battle-{battle_id}-{side}.log")


# -- agents, ladder, evaluations ---------------------------------------------------------


async def agents_page(request: web.Request) -> web.Response:
    rows = await _read(request, views.agents)
    return aiohttp_jinja2.render_template("agents.html", request, {"agents": rows})


async def agents_api(request: web.Request) -> web.Response:
    return web.json_response(json_rows(await _read(request, views.agents)))


async def agents_csv(request: web.Request) -> web.Response:
    return _csv(await _read(request, views.agents), views.AGENT_COLUMNS, "agents.csv")


async def agent_page(request: web.Request) -> web.Response:
    agent_id = _id(request)
    rows = {row.id: row for row in await _read(request, views.agents)}
    if agent_id not in rows:
        raise web.HTTPNotFound(text=f"no agent with id {agent_id}")
    results = await _read(request, views.agent_results, agent_id)
    return aiohttp_jinja2.render_template(
        "agent.html", request, {"a": rows[agent_id], "results": results}
    )


async def _behaviour(request: web.Request) -> tuple[views.AgentRow, list]:
    """An agent and its behaviour profile over its latest stored battles."""
    agent_id = _id(request)
    rows = {row.id: row for row in await _read(request, views.agents)}
    if agent_id not in rows:
        raise web.HTTPNotFound(text=f"no agent with id {agent_id}")
    found = await _read(request, profile_of_id, agent_id, rows[agent_id].label)
    return rows[agent_id], found


async def behaviour_page(request: web.Request) -> web.Response:
    agent, found = await _behaviour(request)
    context = {"a": agent, "p": found, "rates": found.rates(), "latest": DEFAULT_BATTLES}
    return aiohttp_jinja2.render_template("behaviour.html", request, context)


async def behaviour_api(request: web.Request) -> web.Response:
    _, found = await _behaviour(request)
    return web.json_response(json_rows(found.rates()))


async def ladder_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template(
        "ladder.html", request, {"ladder": await _read(request, views.ladder)}
    )


async def ladder_api(request: web.Request) -> web.Response:
    return web.json_response(await _read(request, views.ladder))


async def evaluations_page(request: web.Request) -> web.Response:
    rows = await _read(request, views.evaluations)
    return aiohttp_jinja2.render_template("evaluations.html", request, {"evaluations": rows})


async def evaluations_api(request: web.Request) -> web.Response:
    return web.json_response(await _read(request, views.evaluations))


async def _evaluation(request: web.Request) -> dict:
    evaluation_id = _id(request)
    found = await _read(request, views.evaluation, evaluation_id)
    if found is None:
        raise web.HTTPNotFound(text=f"no evaluation with id {evaluation_id}")
    return found


async def evaluation_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template(
        "evaluation.html", request, {"e": await _evaluation(request)}
    )


async def evaluation_api(request: web.Request) -> web.Response:
    return web.json_response(await _evaluation(request))


# -- lineages ---------------------------------------------------------------------------


async def lineages_api(request: web.Request) -> web.Response:
    return web.json_response(await _read(request, request.app[LINEAGES]))


async def lineages_page(request: web.Request) -> web.Response:
    rows = await _read(request, request.app[LINEAGES])
    context = {"lineages": views.lineage_trees(rows)}
    return aiohttp_jinja2.render_template("lineages.html", request, context)


# -- training runs -----------------------------------------------------------------------


async def runs_page(request: web.Request) -> web.Response:
    rows = await asyncio.to_thread(runs.runs, request.app[RUNS])
    context = {"runs": rows, "folder": str(request.app[RUNS])}
    return aiohttp_jinja2.render_template("runs.html", request, context)


async def runs_api(request: web.Request) -> web.Response:
    return web.json_response(json_rows(await asyncio.to_thread(runs.runs, request.app[RUNS])))


async def _run(request: web.Request) -> dict:
    name = request.match_info["name"]
    found = await asyncio.to_thread(runs.run, request.app[RUNS], request.app[STORE], name)
    if found is None:
        raise web.HTTPNotFound(text=f"no training run named {name!r} in {request.app[RUNS]}")
    return found


async def run_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("run.html", request, {"r": await _run(request)})


async def run_api(request: web.Request) -> web.Response:
    return web.json_response(await _run(request))


ROUTES = (
    ("/", tournaments_page),
    ("/api/tournaments", tournaments_api),
    ("/tournaments/{id}", tournament_page),
    ("/api/tournaments/{id}", tournament_api),
    ("/tournaments/{id}/leaderboard.csv", leaderboard_csv),
    ("/tournaments/{id}/matrix.csv", matrix_csv),
    ("/tournaments/{id}/battles.csv", battles_csv),
    ("/api/tournaments/{id}/battles", battles_api),
    ("/battles/{id}", battle_page),
    ("/api/battles/{id}", battle_api),
    ("/battles/{id}/log/{side}", battle_log),
    ("/agents", agents_page),
    ("/api/agents", agents_api),
    ("/agents.csv", agents_csv),
    ("/agents/{id}", agent_page),
    ("/agents/{id}/behaviour", behaviour_page),
    ("/api/agents/{id}/behaviour", behaviour_api),
    ("/ladder", ladder_page),
    ("/api/ladder", ladder_api),
    ("/evaluations", evaluations_page),
    ("/api/evaluations", evaluations_api),
    ("/evaluations/{id}", evaluation_page),
    ("/api/evaluations/{id}", evaluation_api),
    ("/lineages", lineages_page),
    ("/api/lineages", lineages_api),
    ("/runs", runs_page),
    ("/api/runs", runs_api),
    ("/runs/{name:.+}", run_page),
    ("/api/runs/{name:.+}", run_api),
)
