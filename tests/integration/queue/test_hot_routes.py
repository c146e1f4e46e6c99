"""The busiest requests' hot routes answer exactly as the documented routes do.

Two servers on one database and one clock: the app as it runs, whose hot routes take the
plain requests (``kezek.http.hot_routes``), and the same app with them taken out, where
FastAPI's routes answer everything. Every request, plain or odd, gets the same status,
headers and body from both.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.http.hot_routes import HotRoute
from kezek.staff.models import Role
from tests.integration.queue.conftest import Clock
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"
# Differ between any two answers: when, and the request's own id.
NOT_COMPARED = {"date", "x-request-id"}


def _server(settings: Settings, clock: Clock, *, hot: bool) -> FastAPI:
    app = create_app(settings)
    app.state.context = dataclasses.replace(app.state.context, clock=clock)
    if not hot:
        app.router.routes[:] = [r for r in app.router.routes if not isinstance(r, HotRoute)]
    app.state.taken = []  # the hot routes' patterns, each time one takes a request
    for route in app.router.routes:
        if isinstance(route, HotRoute):
            route.handle = _counted(route, app.state.taken)  # type: ignore[method-assign]
    return app


def _counted(route: HotRoute, taken: list[str]) -> Any:
    handle = route.handle

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        taken.append(route.path)
        await handle(scope, receive, send)

    return counted


def _taken(servers: tuple[TestClient, TestClient]) -> list[str]:
    """What the hot routes took, of the requests to the server with them."""
    hot, documented = servers
    assert documented.app.state.taken == []  # type: ignore[attr-defined]
    taken: list[str] = hot.app.state.taken  # type: ignore[attr-defined]
    return taken


@pytest.fixture
def servers(
    settings: Settings, engine: Engine, network: None, clock: Clock
) -> Iterator[tuple[TestClient, TestClient]]:
    hot, documented = _server(settings, clock, hot=True), _server(settings, clock, hot=False)
    with TestClient(hot) as with_hot, TestClient(documented) as without:
        yield with_hot, without
    for app in (hot, documented):
        app.state.context.sessions.kw["bind"].dispose()


def _same(first: httpx.Response, second: httpx.Response) -> None:
    assert first.status_code == second.status_code, (first.text, second.text)
    assert first.content == second.content
    kept = [(k, v) for k, v in first.headers.multi_items() if k not in NOT_COMPARED]
    also = [(k, v) for k, v in second.headers.multi_items() if k not in NOT_COMPARED]
    assert kept == also


def _both(
    servers: tuple[TestClient, TestClient], method: str, path: str, **kw: Any
) -> httpx.Response:
    hot, documented = servers
    answer = hot.request(method, path, **kw)
    _same(answer, documented.request(method, path, **kw))
    return answer


@pytest.fixture
def line(
    servers: tuple[TestClient, TestClient], sessions: sessionmaker[Session]
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A clerk with window 1 open, and two tickets waiting."""
    hot, _ = servers
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(hot, "aibek")
    assert hot.post(f"{OFFICE}/windows/1/open", json={}, headers=clerk).status_code == 200
    first, second = (
        hot.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=clerk).json()
        for _ in range(2)
    )
    return clerk, first, second


def test_a_ticket_status_is_answered_the_same_plain_or_odd(
    servers: tuple[TestClient, TestClient], line: tuple[dict[str, str], Any, Any]
) -> None:
    _, _, mine = line
    path, secret = f"/api/v1/tickets/{mine['id']}", str(mine["secret"])
    plain = _both(servers, "GET", path, headers={"X-Ticket-Secret": secret})
    tag = plain.headers["ETag"]
    asked = [
        {"X-Ticket-Secret": secret, "If-None-Match": tag},
        {"X-Ticket-Secret": secret, "If-None-Match": '"another"'},
        {"X-Ticket-Secret": secret, "If-None-Match": "x" * 513},
        {"X-Ticket-Secret": "WRONG00000"},
        {"X-Ticket-Secret": "s" * 65},
        {"X-Ticket-Secret": ""},
        {},
    ]
    for headers in asked:
        _both(servers, "GET", path, headers=headers)
    for odd in ("0", "007", "+7", str(2**31), "999999", "x", f"{mine['id']}/"):
        _both(servers, "GET", f"/api/v1/tickets/{odd}", headers={"X-Ticket-Secret": secret})
    twice = [("X-Ticket-Secret", secret), ("X-Ticket-Secret", "WRONG00000")]
    _both(servers, "GET", path, headers=twice)
    _both(servers, "HEAD", path, headers={"X-Ticket-Secret": secret})

    assert plain.status_code == 200 and plain.json()["position"] == 2
    again = servers[0].get(path, headers={"X-Ticket-Secret": secret, "If-None-Match": tag})
    assert again.status_code == 304
    # The plain reads, the wrong secret, the empty one, the unknown id, and the address with
    # a slash after it once redirected to the one without; no odd one.
    assert _taken(servers) == ["/api/v1/tickets/{ticket_id}"] * 8


def test_a_clerks_refused_call_is_answered_the_same(
    servers: tuple[TestClient, TestClient], line: tuple[dict[str, str], Any, Any]
) -> None:
    clerk, _, _ = line
    token = clerk["Authorization"].removeprefix("Bearer ")
    call = f"{OFFICE}/windows/1/call-next"
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": f"Bearer {token}", "Idempotency-Key": "k" * 129},
        {"Authorization": f"Bearer {token}", "Idempotency-Key": "with space"},
    ):
        _both(servers, "POST", call, headers=headers)
    for path in (
        f"{OFFICE}/windows/2/call-next",  # not opened
        "/api/v1/offices/nowhere/windows/1/call-next",
        "/api/v1/offices/BSK/windows/1/call-next",
        f"{OFFICE}/windows/{'9' * 33}/call-next",
    ):
        _both(servers, "POST", path, headers=clerk)
    _both(servers, "GET", call, headers=clerk)
    _both(servers, "POST", call, headers=clerk, json={"settle": "sideways"})

    # A token not valid, a window not opened, an office unknown: refused by the service.
    assert _taken(servers) == ["/api/v1/offices/{office}/windows/{window}/call-next"] * 3


def test_a_call_start_and_finish_are_answered_the_same(
    servers: tuple[TestClient, TestClient], line: tuple[dict[str, str], Any, Any]
) -> None:
    clerk, first, second = line
    hot, _ = servers
    call = f"{OFFICE}/windows/1/call-next"
    # Each acts once, on the server with hot routes; the repeat of its key is answered from
    # the first answer, by both.
    for path, key in (
        (call, "call-1"),
        (f"/api/v1/tickets/{first['id']}/start", "start-1"),
        (f"/api/v1/tickets/{first['id']}/finish", "finish-1"),
    ):
        headers = {**clerk, "Idempotency-Key": key}
        acted = hot.post(path, headers=headers)
        replayed = _both(servers, "POST", path, headers=headers)
        assert acted.status_code == 200, acted.text
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.json() == acted.json()
    assert acted.json()["id"] == first["id"] and acted.json()["status"] == "done"
    # Refused: finished already, no such ticket, no such action, an id out of range.
    for path in (
        f"/api/v1/tickets/{first['id']}/finish",
        "/api/v1/tickets/999999/start",
        f"/api/v1/tickets/{first['id']}/fly",
        f"/api/v1/tickets/{2**31}/start",
    ):
        _both(servers, "POST", path, headers=clerk)
    # Without a key, a call acts again: the second ticket comes to the window.
    again = hot.post(call, headers=clerk)
    assert again.status_code == 200 and again.json()["id"] == second["id"]
    assert Counter(_taken(servers)) == {
        "/api/v1/offices/{office}/windows/{window}/call-next": 3,
        "/api/v1/tickets/{ticket_id}/{action}": 6,
    }


def test_a_ticket_page_is_answered_the_same_plain_or_odd(
    servers: tuple[TestClient, TestClient], line: tuple[dict[str, str], Any, Any]
) -> None:
    _, _, mine = line
    hot, documented = servers
    number, secret = mine["id"], quote(str(mine["secret"]))
    address = f"/ticket/{number}?s={secret}"
    hot.get(address)  # the browser's cookies, for both: its forms' tokens are the same
    documented.cookies = hot.cookies
    block = {"HX-Request": "true"}
    first = _both(servers, "GET", address, headers=block)
    for headers in (
        {},
        {"HX-Request": "true", "Accept-Language": "ru"},
        {"HX-Request": "true", "HX-Boosted": "true"},
        {**block, "If-None-Match": first.headers["ETag"]},
    ):
        _both(servers, "GET", address, headers=headers)
    for odd in (
        f"/ticket/{number}?s=WRONG00000",
        f"/ticket/0{number}?s={secret}",
        "/ticket/abc",
        f"/ticket/{number}",
        f"/ticket/{number}?s={secret}&s=WRONG00000",
        f"/ticket/{number}?s={secret}&took=new",
    ):
        _both(servers, "GET", odd, headers=block)

    assert first.status_code == 200 and 'data-status="waiting"' in first.text
    unchanged = hot.get(address, headers={**block, "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    # Every read but the one naming its secret twice.
    assert _taken(servers) == ["/ticket/{number}"] * 12
