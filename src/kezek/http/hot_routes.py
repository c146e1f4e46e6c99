"""The busiest requests' plain cases, taken before FastAPI's router looks at them.

FastAPI matches a request against each included router and solves the route's parameters
and dependencies anew on every request. For a ticket's status answered from the line a
worker keeps, that was about 60% of the app's own work on the request (in-process, 460
to 600 µs against 180 to 260 µs as a plain route, middleware and logging included in both).
Thousands of phones ask for that every 20 seconds, and each clerk's call, start and finish
pays the same.

A ``HotRoute`` takes a request only in its plain case, which it tells from the request's
head alone: the method, a well-formed path, the headers the documented route reads (each at
most once, within its limits) and no body. It then calls the same action as the documented
route. (FastAPI gives the ticket page's route only its number and secret, and the route
reads the rest itself: its hot route takes every read but one naming the secret twice.)
Everything else, however odd, goes on to the documented route, which validates it and
answers its problem as before. Both run inside the same middleware and exception handlers;
the tests compare their answers (``tests/integration/queue/test_hot_routes.py``). A hot
route is not in the OpenAPI document: the documented route describes the endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

PathParams = Mapping[str, str]
Plain = Callable[[Scope, PathParams], bool]

# PostgreSQL's integer ids, written plainly: what FastAPI would read as the same number
# (a leading zero or sign, which it also reads) goes on to it.
_ID = re.compile(r"[1-9][0-9]{0,9}")
_MAX_ID = 2**31 - 1
_TOKEN = re.compile(rb"[\x21-\x7e]+")


class HotRoute(Route):
    """``endpoint`` for the requests ``plain`` accepts; the documented route for the rest."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response]],
        *,
        method: str,
        plain: Plain,
    ) -> None:
        super().__init__(path, endpoint, methods=[method], include_in_schema=False)
        self.method = method  # only this one: Starlette would add HEAD to a GET
        self.plain = plain

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != self.method:
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is not Match.FULL or not self.plain(scope, child["path_params"]):
            return Match.NONE, {}
        # The route's pattern labels its metrics and logs, as the documented route's does.
        return match, {**child, "route": self}


def headers_of(scope: Scope, *names: bytes) -> dict[bytes, list[bytes]]:
    """The values of these headers (lower-case names), each as often as it was sent."""
    found: dict[bytes, list[bytes]] = {name: [] for name in names}
    for name, value in scope["headers"]:
        if name in found:
            found[name].append(value)
    return found


def at_most_once(values: list[bytes], *, longest: int) -> bool:
    """Absent, or sent once and no longer than ``longest``."""
    return not values or (len(values) == 1 and len(values[0]) <= longest)


def no_body(scope: Scope) -> bool:
    """Nothing sent after the head: no length above 0, and not sent in chunks."""
    sent = headers_of(scope, b"content-length", b"transfer-encoding")
    lengths = sent[b"content-length"]
    return not sent[b"transfer-encoding"] and lengths in ([], [b"0"])


def an_id(value: str) -> bool:
    """A ticket's id as FastAPI reads it into ``1..2**31 - 1`` without a 422."""
    return _ID.fullmatch(value) is not None and int(value) <= _MAX_ID


def bearer_token(values: list[bytes]) -> str | None:
    """The token of one ``Authorization: Bearer <token>``, if that is all there is to it."""
    if len(values) != 1 or not values[0].startswith(b"Bearer "):
        return None
    token = values[0][len(b"Bearer ") :]
    return token.decode("ascii") if _TOKEN.fullmatch(token) else None


def token_of(request: Request) -> str:
    """The bearer token of a request its hot route took (``bearer_token`` said so)."""
    return request.headers["authorization"][len("Bearer ") :]
