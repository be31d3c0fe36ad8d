"""The web application: editor pages, the public read API and feeds, on top of the store.

`create_app()` wires the parts: the signed-session middleware (`web.auth`), strict security
headers on every response, the editor pages (`web.pages`), the read API (`web.api`,
`web.feed`), static files, and a background thread that publishes what crawls changed in
accepted candidates (`store.publish.sync_since`), since the crawler knows nothing of it.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import anyio
from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from store.db import get_engine, upgrade
from store.health import health_rows
from store.models import utcnow
from store.publish import analyze, reconcile, sync_since
from web import api, feed, hooks, ids_api, ids_pages, pages, site, websub
from web.auth import (
    PUBLIC_PREFIXES,
    LoginRequired,
    LoginThrottle,
    SessionMiddleware,
    SessionRegistry,
    host_name,
)
from web.config import EditorConfig, config_from_env
from web.queue_view import QueueFilters, RowCache, queue_page
from web.render import environment

log = logging.getLogger("toolscout.web")
# The status page's rows (`store.health.health_rows`), from whoever knows the configuration.
StatusRows = Callable[[], list[dict]]
# A run that is not known to have a shorter limit is stale after the crawl runner's default.
KNOWN_SOURCES_RUN_LIMIT_S = 3600.0
STATIC = Path(__file__).with_name("static")
SYNC_INTERVAL_S = 5.0
SCAN_THREADS = 3
SYNC_LOOKBACK = timedelta(minutes=2)
ANALYZE_AFTER = 1000  # records written in one pass that make the planner's statistics stale  # a crawl's transaction may commit after it stamped
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
DESCRIPTION = (
    "Read-only API of the tools that toolscout's editors accepted. Public: no key, no "
    "cookies. Lists use cursor pagination and ETags; /api/changes is a field-level change "
    "log for incremental sync; /feeds/tools.atom is an Atom feed of newly published tools."
)


class SecurityHeaders:
    """CSP and friends on every response, pages and API alike (pure ASGI: no overhead)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


CORS_PREFIXES = ("/api/tools", "/api/changes", "/feeds/", "/openapi.json")


class PublicCors:
    """CORS for the public GET routes only (`TOOLSCOUT_CORS_ORIGINS`): a downstream site's
    page may read the API from a browser, while the editor pages, their forms and their
    cookies are never offered to another origin. No credentials: the API takes none."""

    def __init__(self, app, origins: tuple[str, ...]) -> None:
        self.app = app
        self.origins = origins

    def _allowed(self, scope) -> str | None:
        if not self.origins or not scope["path"].startswith(CORS_PREFIXES):
            return None
        origin = next((v for k, v in scope.get("headers", []) if k == b"origin"), None)
        if origin is None:
            return None
        if self.origins == ("*",):
            return "*"
        text = origin.decode("latin-1").lower()
        return text if text in self.origins else None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed = self._allowed(scope)
        if allowed is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"access-control-allow-origin", allowed.encode("latin-1"))]
        if allowed != "*":
            headers.append((b"vary", b"Origin"))
        if scope["method"] == "OPTIONS":  # a preflight: GET with If-None-Match, say
            preflight = Response(status_code=204)
            preflight.raw_headers.extend(
                [
                    *headers,
                    (b"access-control-allow-methods", b"GET, HEAD"),
                    (b"access-control-allow-headers", b"If-None-Match, Accept"),
                    (b"access-control-max-age", b"86400"),
                ]
            )
            await preflight(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers.append((b"access-control-expose-headers", b"ETag"))

        async def send_with_cors(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_cors)


class HostCheck:
    """Answer only requests addressed to an allowed host (`EditorConfig.host_allowed`): a
    forged Host header never reaches a handler, so it is never written into a link, and a
    DNS-rebinding page cannot talk to the server under its own name."""

    def __init__(self, app, config: EditorConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if not host and scope.get("server"):
            host = str(scope["server"][0])
        if self.config.host_allowed(host_name(host)):
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {
                "detail": f"this server does not answer for host {host_name(host)[:100]!r}; "
                "its operator lists the names it serves in TOOLSCOUT_ALLOWED_HOSTS or "
                "TOOLSCOUT_PUBLIC_URL"
            },
            status_code=400,
        )
        await response(scope, receive, send)


class PublicationSync:
    """Every few seconds, publish what changed in candidates (crawls included)."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self.engine, self.interval = engine, interval
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.since: datetime | None = None

    def run_once(self) -> int:
        started = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            written = reconcile(session) if self.since is None else sync_since(session, self.since)
            analyze(session, force=written > ANALYZE_AFTER)
            session.commit()
        self.since = started - SYNC_LOOKBACK
        return written

    def _loop(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:  # the next pass tries again; the server stays up
                log.exception("publication sync failed")
            if self.stop.wait(self.interval):
                return

    def start(self) -> None:
        """The first pass (a full reconcile, long on a large store that was never
        published) runs in the thread, so the server answers at once; with no interval,
        one pass here and no thread."""
        if self.interval <= 0:
            self.run_once()
            return
        self.thread = threading.Thread(target=self._loop, name="publish-sync", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


def _warm_queue(app: FastAPI, freeze: bool = False) -> None:
    """Fill the queue's row cache before the first editor asks (thousands of rows); then,
    in a server process, take what start-up built out of the garbage collector's sight."""
    try:
        with Session(app.state.engine) as session:
            queue_page(session, QueueFilters(), cache=app.state.queue_cache)
    except Exception:
        log.warning("could not warm the queue cache", exc_info=True)
    if freeze:
        freeze_heap()


def freeze_heap() -> None:
    """Move every object alive now (modules, SQLAlchemy's and pydantic's structures, the
    queue cache) to the permanent generation. A full collection over them takes about
    0.25 s on this machine, a pause every request in flight would wait for; frozen, the
    collector only walks what serving allocates. Servers only: a process that creates many
    apps (the tests) would keep the garbage of each."""
    gc.collect()
    gc.freeze()


def validation_detail(errors: list[dict]) -> str:
    """FastAPI's validation errors as one sentence: "limit: Input should be ≤ 500; …"."""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(x) for x in error.get("loc", ()) if x not in ("query", "path"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is malformed"


def _error_page(request: Request, status_code: int, message: str) -> Response:
    if request.url.path.startswith(PUBLIC_PREFIXES) or "text/html" not in request.headers.get(
        "accept", ""
    ):
        return JSONResponse({"detail": message}, status_code=status_code)
    return pages.render(request, "error.html", status_code, message=message)


def _known_sources_rows(engine: Engine) -> list[dict]:
    with Session(engine) as session:
        return health_rows(session, [], utcnow(), KNOWN_SOURCES_RUN_LIMIT_S)


def create_app(
    engine: Engine | None = None,
    config: EditorConfig | None = None,
    sync_interval: float = SYNC_INTERVAL_S,
    freeze: bool = False,
    status_rows: StatusRows | None = None,
) -> FastAPI:
    """The app. `status_rows` gives the status page its rows: the CLI, which reads
    sources.toml, passes its own; without it the page shows the sources the store knows."""
    engine = engine or get_engine()
    config = config or config_from_env()
    sync = PublicationSync(engine, sync_interval)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        upgrade(engine)
        sync.start()
        threading.Thread(
            target=_warm_queue, args=(app, freeze), name="queue-warm", daemon=True
        ).start()
        try:
            yield
        finally:
            sync.close()

    app = FastAPI(
        title="toolscout read API",
        version=api.API_VERSION,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI loads scripts from a CDN: /api/docs is served instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.status_rows = status_rows or partial(_known_sources_rows, engine)
    # List queries that may scan run in threads (`web.api`), at most 3 at once: with the
    # event loop's and the sync thread's, that stays within the engine's pool (5), past
    # which every query would open and close a connection of its own.
    app.state.scan_limiter = anyio.CapacityLimiter(SCAN_THREADS)
    app.state.config = config
    app.state.templates = environment()
    app.state.login_throttle = LoginThrottle()
    app.state.sessions = SessionRegistry()
    app.state.queue_cache = RowCache()
    app.state.sync = sync
    app.include_router(api.router)
    app.include_router(ids_api.router)
    app.include_router(ids_pages.router)
    app.include_router(feed.router)
    app.include_router(hooks.router)
    app.include_router(websub.router)
    app.include_router(site.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return pages.render(request, "api_docs.html", spec=app.openapi())

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return pages.login_redirect(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return _error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith(PUBLIC_PREFIXES):
            # One error body everywhere ({"detail": "<sentence>"}); the itemized list too.
            errors = jsonable_encoder(exc.errors())
            body = {"detail": validation_detail(errors), "errors": errors}
            return JSONResponse(body, status_code=422)
        return _error_page(request, 400, "the form was incomplete or malformed")

    app.add_middleware(SessionMiddleware, config=config, registry=app.state.sessions)
    app.add_middleware(PublicCors, origins=config.cors_origins)
    app.add_middleware(HostCheck, config=config)
    app.add_middleware(SecurityHeaders)
    return app
