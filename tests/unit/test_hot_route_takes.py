"""A hot route takes only its plain case; anything else goes on to the documented route."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Match

from kezek.http.hot_routes import HotRoute
from kezek.queue.api import hot_routes
from kezek.web.hot_pages import hot_routes as page_hot_routes

TOKEN = "Bearer abc.DEF-123_x"
STATUS, CALL_NEXT, ACT = hot_routes("/api/v1")


def _scope(method: str, path: str, headers: list[tuple[str, str]]) -> dict[str, Any]:
    encoded = [(name.lower().encode(), value.encode("latin-1")) for name, value in headers]
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": encoded}


def _takes(route: HotRoute, method: str, path: str, headers: list[tuple[str, str]]) -> bool:
    match, child = route.matches(_scope(method, path, headers))
    if match is Match.FULL:
        assert child["route"] is route  # labels the metrics with the route's pattern
    else:
        assert match is Match.NONE and child == {}  # never a 405 of its own
    return match is Match.FULL


def test_a_plain_status_read_is_taken() -> None:
    assert _takes(STATUS, "GET", "/api/v1/tickets/17", [("X-Ticket-Secret", "ABC")])
    tag = [("X-Ticket-Secret", "s" * 64), ("If-None-Match", "t" * 512)]
    assert _takes(STATUS, "GET", f"/api/v1/tickets/{2**31 - 1}", tag)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("HEAD", "/api/v1/tickets/17", [("X-Ticket-Secret", "ABC")]),
        ("POST", "/api/v1/tickets/17", [("X-Ticket-Secret", "ABC")]),
        ("GET", "/api/v1/tickets/017", [("X-Ticket-Secret", "ABC")]),
        ("GET", "/api/v1/tickets/0", [("X-Ticket-Secret", "ABC")]),
        ("GET", f"/api/v1/tickets/{2**31}", [("X-Ticket-Secret", "ABC")]),
        ("GET", "/api/v1/tickets/١٧", [("X-Ticket-Secret", "ABC")]),  # digits, not ASCII
        ("GET", "/api/v1/tickets/17", []),
        ("GET", "/api/v1/tickets/17", [("X-Ticket-Secret", "s" * 65)]),
        ("GET", "/api/v1/tickets/17", [("X-Ticket-Secret", "A"), ("X-Ticket-Secret", "B")]),
        ("GET", "/api/v1/tickets/17", [("X-Ticket-Secret", "A"), ("If-None-Match", "t" * 513)]),
        (
            "GET",
            "/api/v1/tickets/17",
            [("X-Ticket-Secret", "A"), ("If-None-Match", "1"), ("If-None-Match", "2")],
        ),
    ],
)
def test_an_odd_status_read_goes_on(method: str, path: str, headers: list[tuple[str, str]]) -> None:
    assert not _takes(STATUS, method, path, headers)


def test_a_clerks_plain_call_start_and_finish_are_taken() -> None:
    assert _takes(
        CALL_NEXT, "POST", "/api/v1/offices/bsk/windows/1/call-next", [("Authorization", TOKEN)]
    )
    keyed = [("Authorization", TOKEN), ("Idempotency-Key", "k" * 128), ("Content-Length", "0")]
    assert _takes(CALL_NEXT, "POST", "/api/v1/offices/a-b_c/windows/w2/call-next", keyed)
    for action in ("start", "finish", "no_show", "recall", "requeue", "cancel"):
        assert _takes(ACT, "POST", f"/api/v1/tickets/5/{action}", [("Authorization", TOKEN)])


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Authorization", "bearer abc")],  # FastAPI reads it; the hot route leaves it
        [("Authorization", "Basic abc")],
        [("Authorization", "Bearer ")],
        [("Authorization", "Bearer a b")],
        [("Authorization", TOKEN), ("Authorization", TOKEN)],
        [("Authorization", TOKEN), ("Idempotency-Key", "")],
        [("Authorization", TOKEN), ("Idempotency-Key", "k" * 129)],
        [("Authorization", TOKEN), ("Idempotency-Key", "a b")],
        [("Authorization", TOKEN), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
        [("Authorization", TOKEN), ("Content-Length", "2")],
        [("Authorization", TOKEN), ("Transfer-Encoding", "chunked")],
    ],
)
def test_an_odd_clerks_request_goes_on(headers: list[tuple[str, str]]) -> None:
    assert not _takes(CALL_NEXT, "POST", "/api/v1/offices/bsk/windows/1/call-next", headers)
    assert not _takes(ACT, "POST", "/api/v1/tickets/5/start", headers)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/offices/BSK/windows/1/call-next",
        "/api/v1/offices/bsk/windows/-1/call-next",
        "/api/v1/offices/bsk/windows/1\n/call-next",
        f"/api/v1/offices/{'a' * 33}/windows/1/call-next",
        "/api/v1/tickets/5/transfer",
        "/api/v1/tickets/5/check-in",
        "/api/v1/tickets/5/fly",
        "/api/v1/tickets/05/start",
    ],
)
def test_an_odd_clerks_path_goes_on(path: str) -> None:
    route = CALL_NEXT if path.endswith("call-next") else ACT
    assert not _takes(route, "POST", path, [("Authorization", TOKEN)])


def test_a_ticket_page_read_is_taken_unless_it_names_its_secret_twice() -> None:
    (page,) = page_hot_routes()
    reads = [b"s=AB12", b"", b"s=AB12&took=new", b"took=again", b"s="]
    for query in reads:
        scope = {**_scope("GET", "/ticket/17", [("HX-Request", "true")]), "query_string": query}
        assert page.matches(scope)[0] is Match.FULL, query
    for query in (b"s=AB12&s=CD34", b"s=AB12&%73=CD34"):
        scope = {**_scope("GET", "/ticket/17", []), "query_string": query}
        assert page.matches(scope)[0] is Match.NONE, query
    posted = {**_scope("POST", "/ticket/17", []), "query_string": b"s=AB12"}
    assert page.matches(posted)[0] is Match.NONE
