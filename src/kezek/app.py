"""The ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kezek import __version__, logs, metrics
from kezek.booking.api import router as booking_router
from kezek.bootstrap import build_context
from kezek.config import Settings, get_settings
from kezek.context import AppContext
from kezek.db import database_answers, is_postgresql
from kezek.http.limits import BodyLimitMiddleware
from kezek.http.problems import (
    document_problems,
    install_problem_handlers,
    problem_response,
    problems,
)
from kezek.logs import RequestIdMiddleware
from kezek.network.api import router as network_router
from kezek.queue.api import router as queue_router
from kezek.queue.gauges import QueueCollector
from kezek.queue.service import close_due_days
from kezek.staff.api import router as staff_router
from kezek.web.admin import router as admin_router
from kezek.web.api_docs import router as api_docs_router
from kezek.web.citizen import router as citizen_router
from kezek.web.console import router as console_router
from kezek.web.dashboard import router as dashboard_router
from kezek.web.kiosk import router as kiosk_router
from kezek.web.manage import router as manage_router
from kezek.web.not_found import page_not_found, wants_a_page
from kezek.web.queue_pages import router as queue_pages_router
from kezek.web.staff_pages import router as staff_pages_router

STATIC_DIR = Path(__file__).parent / "web" / "static"
log = logging.getLogger(__name__)


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
    app.include_router(_operations(context))
    return app


def _lifespan(context: AppContext) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # On PostgreSQL each worker process listens for queue changes for its boards.
        url = context.settings.sqlalchemy_url
        tasks = [asyncio.create_task(context.bus.listen(url))] if is_postgresql(url) else []
        if context.settings.queue_close_days:
            tasks.append(asyncio.create_task(_close_days(context)))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        context.sessions.kw["bind"].dispose()

    return lifespan


async def _close_days(context: AppContext) -> None:
    """Each office's line closes at its closing time; every worker checks, idempotently."""
    while True:
        try:
            await asyncio.to_thread(close_due_days, context)
        except Exception:  # the database away for a while: try again at the next check
            log.exception("closing the queue days failed")
        await asyncio.sleep(context.settings.queue_close_check_seconds)


def _pages_for_people(app: FastAPI) -> None:
    """An unknown address asked for by a browser gets a page; the API keeps problem+json."""
    answer_problem = app.exception_handlers[StarletteHTTPException]

    async def either(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if wants_a_page(request) and exc.status_code in (404, 405):
            return page_not_found(request, exc)
        answered: Response = await answer_problem(request, exc)  # type: ignore[misc]
        return answered

    app.add_exception_handler(StarletteHTTPException, either)


def _describe_problems(app: FastAPI) -> None:
    """Every operation's OpenAPI description lists the problems it can answer."""
    described = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(described())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _include_routes(app: FastAPI) -> None:
    api = APIRouter(prefix="/api/v1")
    api.include_router(network_router)
    api.include_router(booking_router)
    api.include_router(staff_router)
    api.include_router(queue_router)
    app.include_router(api)
    app.include_router(citizen_router)
    app.include_router(manage_router)
    app.include_router(queue_pages_router)
    app.include_router(staff_pages_router)
    app.include_router(kiosk_router)
    app.include_router(console_router)
    app.include_router(dashboard_router)
    app.include_router(admin_router)
    app.include_router(api_docs_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _operations(context: AppContext) -> APIRouter:
    """What supervisors, load balancers and Prometheus ask of every worker."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process answers: for a supervisor deciding whether to restart it."""
        return {"status": "ok"}

    @router.get("/metrics", response_class=PlainTextResponse)
    def prometheus_metrics() -> Response:
        """Prometheus metrics of every worker, and the queue per office."""
        body = metrics.exposition(QueueCollector(context.sessions))
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
