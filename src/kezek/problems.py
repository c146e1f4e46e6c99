"""RFC 9457 problem details: every error the API returns has this shape and a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class Problem(Exception):
    """A domain failure that the API reports as problem+json."""

    status = 400
    code = "bad_request"
    title = "Bad request"
    headers: dict[str, str] = {}  # noqa: RUF012  (read-only, per class)

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(Problem):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(Problem):
    status = 409
    code = "conflict"
    title = "Conflict"


class Invalid(Problem):
    """Input that passed the schema but breaks a rule, such as a time outside the horizon."""

    status = 422
    code = "validation_error"
    title = "The request has invalid fields"


def problem_response(
    *, status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"urn:kezek:problem:{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _unavailable)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    extra = dict(exc.extra)
    if exc.field:
        extra["errors"] = [{"field": exc.field, "message": exc.detail}]
    response = problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        **extra,
    )
    response.headers.update(exc.headers)
    return response


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    names = ", ".join(dict.fromkeys(error["field"] for error in errors))
    return problem_response(
        status=422,
        code="validation_error",
        title="The request has invalid fields",
        detail=f"Check these fields: {names}.",
        instance=request.url.path,
        errors=errors,
    )


def _field_error(error: Any) -> dict[str, str]:
    loc = [str(part) for part in error.get("loc", ())]
    location = loc[0] if loc and loc[0] in _LOCATIONS else "body"
    parts = loc[1:] if loc and loc[0] in _LOCATIONS else loc
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return {"field": ".".join(parts) or location, "in": location, "message": message}


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return problem_response(
        status=exc.status_code,
        code=code,
        title=str(exc.detail),
        detail=str(exc.detail),
        instance=request.url.path,
    )


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database error on %s: %s", request.url.path, type(exc).__name__)
    response = problem_response(
        status=503,
        code="database_unavailable",
        title="Service temporarily unavailable",
        detail="The database cannot be reached. Try again in a minute.",
        instance=request.url.path,
    )
    response.headers["Retry-After"] = "30"
    return response
