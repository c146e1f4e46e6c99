"""Structured logs: one JSON object a line, each with the request it belongs to.

Every request gets an id: the ``X-Request-ID`` a proxy sent (if it looks like one), or a
new one. It is returned in the response header and added to every log line written while
the request runs, so one citizen's trouble can be followed through the lines of several
workers. Only method, path, status and duration are logged for a request: never a body,
a header or a query string, where a document number could be.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import time
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kezek import metrics

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_UNMATCHED = "(no route)"
# Path parameters that are credentials: a booking page's signed token, a receipt's short
# link with the ticket's secret. The log keeps the path, with these left out.
_SECRET_PARAMETERS = ("token", "short")


def _without_secrets(scope: Scope) -> str:
    path: str = scope["path"]
    parameters = scope.get("path_params") or {}
    for name in _SECRET_PARAMETERS:
        value = parameters.get(name)
        if isinstance(value, str) and value:
            path = path.replace(value, "…")
    return path


access = logging.getLogger("kezek.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current:
            line["request_id"] = current
        for name in ("method", "path", "status", "duration_ms"):
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


JsonFormatter.converter = time.gmtime  # UTC, as the "Z" says


def configure(level: str = "INFO") -> None:
    """JSON lines on standard error, once per process; other handlers are left alone."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # A line says neither the source line, the thread nor the process: the logging module
    # need not look them up for each of the request lines a rush writes (the optimisation
    # its documentation gives).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


# A request's id needs to be unique, not secret: a random prefix, the process and a count,
# rather than a read of the system's randomness for every request.
_PROCESS = secrets.token_hex(8)
_COUNT = itertools.count(1)


def _new_request_id() -> str:
    return f"{_PROCESS}{os.getpid() % 16**6:06x}{next(_COUNT) % 16**10:010x}"


class RequestIdMiddleware:
    """Give each request an id; log it and count it once, when its response has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        current = given if _ID.match(given) else _new_request_id()
        token = request_id.set(current)
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", current.encode("latin-1")),
                ]
                took = time.perf_counter() - began
                access.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": _without_secrets(scope),
                        "status": message["status"],
                        "duration_ms": round(took * 1000, 1),
                    },
                )
                # The route's pattern, not the path: one series per endpoint, not per id.
                route = getattr(scope.get("route"), "path", None) or _UNMATCHED
                metrics.REQUESTS.labels(scope["method"], route, str(message["status"])).inc()
                metrics.LATENCY.labels(scope["method"], route).observe(took)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
