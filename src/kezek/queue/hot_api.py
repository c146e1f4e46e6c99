"""The queue's busiest requests in their plain cases (``kezek.http.hot_routes``).

A phone reading its ticket's status, and a clerk's call-next, start and finish without a
body: each answered by the same function as its route in ``kezek.queue.api``, which takes
every other case and describes the endpoint.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from kezek.codes import CODE_PATTERN
from kezek.context import AppContext
from kezek.http.hot_routes import (
    HotRoute,
    PathParams,
    an_id,
    at_most_once,
    bearer_token,
    headers_of,
    no_body,
    token_of,
)
from kezek.queue.api import act_answer, call_next_answer, status_answer
from kezek.queue.schemas import Action
from kezek.staff.deps import staff_of_token
from kezek.staff.members import Staff

_CODE = re.compile(CODE_PATTERN)
_ACTIONS = frozenset(action.value for action in Action)
# The limits of the documented routes' headers (``X-Ticket-Secret``, ``If-None-Match``).
_SECRET_LONGEST = 64
_TAG_LONGEST = 512
# ``Idempotency-Key``: as ``QueueKey`` in kezek.queue.api, printable ASCII, 1 to 128.
_KEY = re.compile(rb"[\x21-\x7e]{1,128}")


def _a_status_read(scope: Scope, path: PathParams) -> bool:
    sent = headers_of(scope, b"x-ticket-secret", b"if-none-match")
    return (
        an_id(path["ticket_id"])
        and len(sent[b"x-ticket-secret"]) == 1
        and at_most_once(sent[b"x-ticket-secret"], longest=_SECRET_LONGEST)
        and at_most_once(sent[b"if-none-match"], longest=_TAG_LONGEST)
    )


def _a_clerks_request(scope: Scope) -> bool:
    """Signed in with a bearer token, with no body, and with at most one well-formed key."""
    sent = headers_of(scope, b"authorization", b"idempotency-key")
    keys = sent[b"idempotency-key"]
    return (
        bearer_token(sent[b"authorization"]) is not None
        and (not keys or (len(keys) == 1 and _KEY.fullmatch(keys[0]) is not None))
        and no_body(scope)
    )


def _a_call_next(scope: Scope, path: PathParams) -> bool:
    codes = (path["office"], path["window"])
    return all(_CODE.fullmatch(code) for code in codes) and _a_clerks_request(scope)


def _an_action(scope: Scope, path: PathParams) -> bool:
    return an_id(path["ticket_id"]) and path["action"] in _ACTIONS and _a_clerks_request(scope)


async def _status(request: Request) -> Response:
    return await status_answer(
        request.app.state.context,
        ticket_id=int(request.path_params["ticket_id"]),
        ticket_secret=request.headers["x-ticket-secret"],
        if_none_match=request.headers.get("if-none-match"),
    )


async def _clerk(request: Request) -> tuple[AppContext, Staff, str | None]:
    """The app's context, the clerk signed in, and the request's idempotency key."""
    context: AppContext = request.app.state.context
    staff = await staff_of_token(context, token_of(request))
    return context, staff, request.headers.get("idempotency-key")


async def _call_next(request: Request) -> Response:
    context, staff, key = await _clerk(request)
    office, window = request.path_params["office"], request.path_params["window"]
    return await call_next_answer(
        context, staff=staff, office=office, window=window, settle=None, key=key
    )


async def _act(request: Request) -> Response:
    context, staff, key = await _clerk(request)
    ticket_id, action = int(request.path_params["ticket_id"]), request.path_params["action"]
    return await act_answer(
        context, staff=staff, ticket_id=ticket_id, action=Action(action), key=key
    )


def hot_routes(prefix: str) -> list[HotRoute]:
    """The routes to match before all others, under the API's ``prefix``."""
    return [
        HotRoute(f"{prefix}/tickets/{{ticket_id}}", _status, method="GET", plain=_a_status_read),
        HotRoute(
            f"{prefix}/offices/{{office}}/windows/{{window}}/call-next",
            _call_next,
            method="POST",
            plain=_a_call_next,
        ),
        HotRoute(
            f"{prefix}/tickets/{{ticket_id}}/{{action}}", _act, method="POST", plain=_an_action
        ),
    ]
