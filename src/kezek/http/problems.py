"""RFC 9457 problem details: every error the API returns has this shape and a stable ``code``.

The failures themselves are in ``kezek.errors``; this module answers them over HTTP and
documents them in the OpenAPI description.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from kezek.errors import Problem
from kezek.http.headers import SECURITY_HEADERS

MEDIA_TYPE = "application/problem+json"
ResponseT = TypeVar("ResponseT", bound=Response)
log = logging.getLogger(__name__)
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class FieldProblem(BaseModel):
    field: str = Field(description="The field to correct, such as phone or X-Document-Number")
    message: str = Field(description="What is wrong with it and how to put it right")
    location: str | None = Field(
        default=None, alias="in", description="body, query, path, header or cookie"
    )


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: how the API answers every error."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="urn:kezek:problem:<code>")
    title: str
    status: int
    detail: str = Field(description="What happened and what to do, in a sentence or two")
    instance: str = Field(description="The path that was asked for")
    code: str = Field(description="Stable and machine-readable, such as slot_full")
    errors: list[FieldProblem] | None = Field(
        default=None, description="For field errors: each field and what to do"
    )


_PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemDetails"}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer"},
    }
}
_MEANINGS = {
    400: "The body cannot be read: it is not JSON in UTF-8",
    401: "No valid staff token",
    403: "Not allowed for this office, or at this window",
    404: "No such office, service, window, ticket or booking",
    409: "The state does not allow it now; `code` says why",
    413: "The request body is too large",
    422: "A field is invalid; `errors` names each one and what to do",
    429: "Too many requests; wait as long as Retry-After says",
    503: "The database does not answer; try again after Retry-After",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can answer these problems."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": _MEANINGS[status],
            "content": {MEDIA_TYPE: {"schema": _PROBLEM_SCHEMA}},
        }
        if status in (429, 503):
            response["headers"] = _RETRY_AFTER
        documented[status] = response
    return documented


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Complete the API's description with the problems every operation can answer.

    Any operation can meet a database outage (503); one with a body, a body that is not
    JSON (400) or over the limit (413); one with parameters, a validation error (422),
    which FastAPI would otherwise describe in its own shape rather than as the
    problem+json that is actually sent.
    """
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetails"] = ProblemDetails.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}"
    )
    schemas["FieldProblem"] = schemas["ProblemDetails"].pop("$defs")["FieldProblem"]
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            responses = operation["responses"]
            added = [503]
            if "requestBody" in operation:
                added += [400, 413]
            if "requestBody" in operation or operation.get("parameters"):
                added.append(422)
            for status, response in problems(*added).items():
                if str(status) == "422" or str(status) not in responses:
                    responses[str(status)] = response
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return openapi


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
    app.add_exception_handler(ClientDisconnect, _gone)
    app.add_exception_handler(Exception, _unexpected)


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


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = str(exc.detail)
    if detail == "There was an error parsing the body":  # FastAPI's words for a bad body
        code, detail = "malformed_body", "The body is not JSON in UTF-8. Send a JSON object."
    response = problem_response(
        status=exc.status_code,
        code=code,
        title=str(exc.detail),
        detail=detail,
        instance=request.url.path,
    )
    response.headers.update(exc.headers or {})  # a 405's Allow, as RFC 9110 requires
    return response


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


async def _gone(request: Request, exc: Exception) -> Response:
    """The client went away before its request was read: a phone that lost its signal, or a
    page that sent a second tap instead of the first. Nobody is there for an answer and
    nothing went wrong here, so no error is logged (a busy day would be full of them); the
    access log says 499, as nginx says of a client that closed its request."""
    log.info("client went away before %s was read", request.url.path)
    return Response(status_code=499)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """An error nobody foresaw: 500 in the same shape, with no traceback (that goes to the
    log), and with the headers every answer carries, which this one, made outside the
    middleware, would otherwise lack."""
    # The server logs the traceback itself: the exception goes on to it after this answer.
    log.error("unexpected %s on %s", type(exc).__name__, request.url.path)
    response = problem_response(
        status=500,
        code="internal_error",
        title="Something went wrong",
        detail="The server could not answer this request. Try again; nothing was changed "
        "unless the answer said so.",
        instance=request.url.path,
    )
    return with_every_answers_headers(response)


def with_every_answers_headers(response: ResponseT) -> ResponseT:
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response
