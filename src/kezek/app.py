"""The ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kezek import __version__, logs, metrics
from kezek.admin.service import purge_expired
from kezek.booking.api import router as booking_router
from kezek.bootstrap import build_context
from kezek.config import Settings, get_settings, networks
from kezek.context import AppContext
from kezek.db import database_answers, is_postgresql, warm_pool
from kezek.http.access import may_read_metrics
from kezek.http.event_stream import DetachedStreams, end_streams_on_stop
from kezek.http.headers import HeadersMiddleware
from kezek.http.limits import BodyLimitMiddleware
from kezek.http.problems import (
    document_problems,
    install_problem_handlers,
    problem_response,
    problems,
    with_every_answers_headers,
)
from kezek.logs import RequestIdMiddleware
from kezek.network.api import router as network_router
from kezek.notify.gauges import OutboxCollector
from kezek.queue.api import hot_routes as queue_hot_routes
from kezek.queue.api import router as queue_router
from kezek.queue.gauges import QueueCollector
from kezek.queue.service import close_due_days
from kezek.rounds.api import router as rounds_router
from kezek.staff.api import router as staff_router
from kezek.staff.tokens import CHANNEL as TOKENS_CHANNEL
from kezek.web.admin import router as admin_router
from kezek.web.api_docs import router as api_docs_router
from kezek.web.citizen import router as citizen_router
from kezek.web.console import router as console_router
from kezek.web.dashboard import router as dashboard_router
from kezek.web.error_pages import (
    page_for_an_error,
    page_for_an_outage,
    page_not_found,
    wants_a_page,
)
from kezek.web.hot_pages import hot_routes as page_hot_routes
from kezek.web.kiosk import router as kiosk_router
from kezek.web.manage import router as manage_router
from kezek.web.queue_pages import router as queue_pages_router
from kezek.web.round_pages import router as round_pages_router
from kezek.web.staff_pages import router as staff_pages_router
from kezek.web.telegram import router as telegram_router
from kezek.web.window_oversight import router as window_oversight_router

STATIC_DIR = Path(__file__).parent / "web" / "static"
API_PREFIX = "/api/v1"
log = logging.getLogger(__name__)
# How long a thread of a worker runs before Python makes it hand the interpreter to another
# that waits (5 ms by default). A worker runs its event loop in one thread and the sync
# routes in others; each forced handover stalls both. With 20 ms, bench/booking_rush.py
# books about 10% more per second (three runs each way). A route's own work is well under
# it, and a thread that waits for the database lets go at once anyway.
WORKER_SWITCH_INTERVAL_SECONDS = 0.02


def create_worker_app() -> FastAPI:
    """The app as each worker process of ``kezek serve`` runs it."""
    sys.setswitchinterval(WORKER_SWITCH_INTERVAL_SECONDS)
    app = create_app()
    # What the worker has built so far (the modules, the routes, the settings) lives as
    # long as it does: frozen, the garbage collector's full passes no longer walk it, and a
    # full pass no longer stalls every request of the worker at once. In bench/queue_day.py
    # call-next's p99 fell from 183-185 ms to 110-136 ms (seven runs), below pgbench's.
    gc.collect()  # what startup left as garbage goes first, rather than be kept for good
    gc.freeze()
    line_process = app.state.context.line_process
    if line_process is not None:
        line_process.start()  # its imports now, not in the first rush
    # A worker told to stop waits for every answer to end, and a board's stream would not.
    end_streams_on_stop()
    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    context = build_context(settings or get_settings())
    if context.settings.json_logs:
        logs.configure()
    app = FastAPI(
        title="Kezek",
        version=__version__,
        summary="Booking, live queue and capacity planning for consular and migration offices.",
        lifespan=_lifespan(context),
        # Served from the package by kezek.web.api_docs, not from a CDN.
        docs_url=None,
        redoc_url=None,
        # Kezek's metrics are Prometheus's and its logs JSON lines (kezek.metrics, kezek.logs):
        # FastAPI's OpenTelemetry hooks would ask for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.context = context
    install_problem_handlers(app)
    _pages_for_people(app)
    _describe_problems(app)
    _include_routes(app)
    # Pages and the API compress what is worth it: a citizen may be on 2G.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(BodyLimitMiddleware, max_bytes=context.settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    production = context.settings.environment == "production"
    app.add_middleware(HeadersMiddleware, hsts_seconds=context.settings.hsts_seconds * production)
    proxies = [str(network) for network in networks(context.settings.trusted_proxies)]
    if proxies:
        # The client's address is the one a trusted proxy forwarded; from anyone else the
        # header is ignored, so that nobody invents addresses to escape the rate limits.
        # (The ranges as written out again: uvicorn would ignore 10.1.2.3/8, host bits set.)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    elif production:
        log.warning(
            "KEZEK_TRUSTED_PROXIES is empty: behind a reverse proxy, every client would share "
            "the proxy's address. Set it to the proxy's address."
        )
    # Outermost: a board stream, once started, leaves the middleware above behind and is
    # carried on here (kezek.http.event_stream).
    app.add_middleware(DetachedStreams)
    app.include_router(_operations(context))
    return app


def _lifespan(context: AppContext) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # On PostgreSQL each worker process listens for queue changes for its boards, and
        # for users disabled or signed out, whose tokens it must forget; and it tells the
        # other processes of its own queue changes once they commit.
        url = context.settings.sqlalchemy_url
        tasks = []
        if is_postgresql(url):
            heard = {TOKENS_CHANNEL: context.tokens}
            tasks.append(asyncio.create_task(context.bus.listen(url, others=heard)))
            tasks.append(asyncio.create_task(context.bus.send_notices(url)))
        if context.settings.queue_close_days:
            tasks.append(asyncio.create_task(_close_days(context)))
        if context.settings.purge_every_seconds:
            tasks.append(asyncio.create_task(_purge(context)))
        if is_postgresql(url) and context.settings.db_pool_warm:
            tasks.append(asyncio.create_task(_warm_pool(context)))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if context.line_process is not None:
            context.line_process.close()
        context.sessions.kw["bind"].dispose()

    return lifespan


async def _warm_pool(context: AppContext) -> None:
    """The worker's connections, opened on a thread while it starts serving (``warm_pool``)."""
    await asyncio.to_thread(warm_pool, context.sessions.kw["bind"])


async def _close_days(context: AppContext) -> None:
    """Each office's line closes at its closing time; every worker checks, idempotently."""
    while True:
        try:
            await asyncio.to_thread(close_due_days, context)
        except Exception:  # the database away for a while: try again at the next check
            log.exception("closing the queue days failed")
        await asyncio.sleep(context.settings.queue_close_check_seconds)


async def _purge(context: AppContext) -> None:
    """Old idempotency keys and spent counters go now and then; every worker may do it."""
    keep = timedelta(hours=context.settings.idempotency_keep_hours)
    keep_messages = timedelta(days=context.settings.notify_keep_days)
    while True:
        try:
            purged = await asyncio.to_thread(
                purge_expired,
                context.sessions,
                now=context.clock(),
                keep_keys=keep,
                keep_messages=keep_messages,
            )
            if purged.total:
                log.info("purged %d expired records", purged.total)
        except Exception:  # the database away for a while: try again next time
            log.exception("purging expired records failed")
        await asyncio.sleep(context.settings.purge_every_seconds)


def _pages_for_people(app: FastAPI) -> None:
    """A browser that asked for a page gets one, for a wrong address, a database outage or
    an error nobody foresaw; the API keeps problem+json."""
    for kind in (StarletteHTTPException, OperationalError, Exception):
        app.add_exception_handler(kind, _page_or(app.exception_handlers[kind]))


def _page_or(answer_problem: Any) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def either(request: Request, exc: Exception) -> Response:
        if not wants_a_page(request):
            answered: Response = await answer_problem(request, exc)
            return answered
        if isinstance(exc, StarletteHTTPException):
            if exc.status_code in (404, 405):
                return page_not_found(request, exc)
            answered = await answer_problem(request, exc)
            return answered
        if isinstance(exc, OperationalError):
            await answer_problem(request, exc)  # logged as the API's outage is
            return page_for_an_outage(request)
        # The server logs the traceback itself: the exception goes on to it after this page.
        log.error("unexpected %s on %s", type(exc).__name__, request.url.path)
        # Made outside the middleware that adds them: the headers are set here.
        return with_every_answers_headers(page_for_an_error(request))

    return either


def _describe_problems(app: FastAPI) -> None:
    """Every operation's OpenAPI description lists the problems it can answer."""
    described = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(described())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _include_routes(app: FastAPI) -> None:
    # Each router is included once, at the top: FastAPI matches a request against every
    # level of nesting twice (to pick the branch, then inside it), so the API's routers sit
    # directly under the app, the busiest first.
    for api in (booking_router, queue_router, staff_router, network_router, rounds_router):
        app.include_router(api, prefix=API_PREFIX)
    # Before every route: the busiest requests' plain cases (kezek.http.hot_routes).
    app.router.routes[0:0] = [*queue_hot_routes(API_PREFIX), *page_hot_routes()]
    app.include_router(citizen_router)
    app.include_router(manage_router)
    app.include_router(round_pages_router)
    app.include_router(queue_pages_router)
    app.include_router(staff_pages_router)
    app.include_router(kiosk_router)
    app.include_router(console_router)
    app.include_router(dashboard_router)
    app.include_router(window_oversight_router)
    app.include_router(admin_router)
    app.include_router(telegram_router)
    app.include_router(api_docs_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _operations(context: AppContext) -> APIRouter:
    """What supervisors, load balancers and Prometheus ask of every worker."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process answers: for a supervisor deciding whether to restart it."""
        return {"status": "ok"}

    readers = networks(context.settings.metrics_allow)
    token = context.settings.metrics_token

    @router.get("/metrics", response_class=PlainTextResponse, responses=problems(403))
    def prometheus_metrics(request: Request) -> Response:
        """Prometheus metrics of every worker, and the queue per office: for the addresses
        of KEZEK_METRICS_ALLOW, or with KEZEK_METRICS_TOKEN as a bearer token."""
        if not may_read_metrics(request, readers, token):
            return problem_response(
                status=403,
                code="forbidden",
                title="Forbidden",
                detail="Metrics are for the monitoring's own addresses, or its token.",
                instance="/metrics",
            )
        body = metrics.exposition(
            QueueCollector(context.sessions), OutboxCollector(context.sessions)
        )
        return Response(body, media_type=metrics.CONTENT_TYPE)

    @router.get("/readyz", responses=problems(503))
    def readyz() -> Response:
        """The database answers: for a load balancer deciding whether to send traffic."""
        if database_answers(context.sessions):
            return JSONResponse({"status": "ready", "database": "ok"})
        refusal = problem_response(
            status=503,
            code="not_ready",
            title="Not ready",
            detail="The database does not answer. Requests are refused until it does.",
            instance="/readyz",
            database="unreachable",
        )
        refusal.headers["Retry-After"] = "30"
        return refusal

    return router
