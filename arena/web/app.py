"""The dashboard's web application: its pages (`arena.web.pages`) and play
(`arena.web.play`) behind the checks every request passes.

Only requests naming the dashboard's own host are answered (`hosts`): a page elsewhere
that rebinds its DNS name to this machine's loopback address cannot read the store
through the visitor's browser. Every response forbids framing and MIME sniffing, and its
content security policy lets a page run only the dashboard's own script files.
"""

import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from arena.rating.ratings import interval_text
from arena.store.database import Store
from arena.web import assets, pages, play, views
from arena.web.ratings_cache import RatingsCache
from arena.web.views import BadQuery

LIVE_POLL_MS = 3000  # how often a running tournament's page refreshes its live section
HOSTS = web.AppKey("hosts", frozenset)  # the Host header values answered
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")  # binding every address
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # scripts and styles only from the dashboard's own files (uPlot from /vendor/); the
    # pages' inline `style` attributes draw bars and cells, never a `<style>` block
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    ),
}


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("arena.web") / name))


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host header values a dashboard bound to `host`:`port` answers: the bind
    address, the loopback names when it is a loopback address, and this machine's names
    and addresses when it is bound to every address."""
    names = {host}
    if host in LOOPBACK_NAMES or host.startswith("127."):
        names |= set(LOOPBACK_NAMES)
    if host in WILDCARDS:
        names = set(LOOPBACK_NAMES) | _machine_names()
    return frozenset(value for name in names if name for value in _host_values(name, port))


def _machine_names() -> set[str]:
    names = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):  # a host name that does not resolve: its names alone
        names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    return names


def _host_values(name: str, port: int) -> Iterable[str]:
    """How a browser writes `name` in a Host header: lowercase, an IPv6 address in
    brackets, with the port (left out by a browser only for port 80)."""
    name = name.lower()
    if ":" in name:
        name = f"[{name}]"
    yield f"{name}:{port}"
    if port == 80:
        yield name


def make_app(
    store: Store,
    runs: Path,
    lineages: Callable[[Store], list[dict]],
    hosts: frozenset[str],
    hall: "play.PlayHall | None" = None,
) -> web.Application:
    app = web.Application(middlewares=[_known_host, _errors])
    app[HOSTS] = hosts
    app.on_response_prepare.append(_secure)
    app[pages.STORE] = store
    app[pages.RUNS] = runs
    app[pages.LINEAGES] = lineages
    app[pages.CACHE] = RatingsCache()
    app.on_startup.append(_warm)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(_package_dir("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env = aiohttp_jinja2.get_env(app)
    env.globals["live_poll_ms"] = LIVE_POLL_MS
    env.globals["charts"] = assets.installed()
    env.filters["kind"] = views.kind_label
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v, digits=0: "—" if v is None else f"{v:.{digits}f}"
    env.globals["interval"] = interval_text
    app.router.add_static("/static/", _package_dir("static"))
    if assets.installed():
        app.router.add_static("/vendor/", assets.vendor_dir())
    app.router.add_get("/favicon.ico", favicon)
    for path, handler in pages.ROUTES:
        app.router.add_get(path, handler)
    play.install(app, hall, HOSTS)
    return app


async def favicon(request: web.Request) -> web.FileResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the JSON API's too)."""
    return web.FileResponse(
        _package_dir("static") / "favicon.svg", headers={"Content-Type": "image/svg+xml"}
    )


async def _warm(app: web.Application) -> None:
    app[pages.CACHE].warm(app[pages.STORE])


@web.middleware
async def _known_host(request: web.Request, handler: Callable[[web.Request], Awaitable]):
    """A request for another host name (DNS rebinding) is answered 421, never served."""
    if request.headers.get("Host", "").lower() not in request.app[HOSTS]:
        return web.Response(
            status=421, text="arena web: this dashboard answers only its own host name\n"
        )
    return await handler(request)


async def _secure(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


@web.middleware
async def _errors(request: web.Request, handler: Callable[[web.Request], Awaitable]):
    """Unknown ids and paths get a 404 page, bad query parameters a 400 page (JSON under
    /api/), each saying what was wrong."""
    try:
        return await handler(request)
    except BadQuery as error:
        return _error(request, 400, str(error))
    except web.HTTPNotFound as error:
        return _error(request, 404, error.text if error.text != "404: Not Found" else "")


def _error(request: web.Request, status: int, message: str) -> web.Response:
    message = message or f"nothing at {request.path}"
    if request.path.startswith("/api/"):
        return web.json_response({"error": message}, status=status)
    return aiohttp_jinja2.render_template(
        "error.html", request, {"status": status, "message": message}, status=status
    )
