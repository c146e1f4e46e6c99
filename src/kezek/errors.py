"""The failures an action reports to people: each with a status, a stable ``code`` and a title.

Domain modules and services raise these; they import no web framework, so the CLI and a
relay process can use them too. ``kezek.http.problems`` turns them into RFC 9457
problem+json for the API, and the pages show ``detail`` beside ``field``.
"""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """A failure that a person can act on: what happened, and which field to correct."""

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
