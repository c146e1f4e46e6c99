"""The line closes for the day: at the office's closing time, or early by a manager's hand.

Whoever still waits is closed as not served today, told so on their ticket page, counted
apart from no-shows, and no more tickets are issued that day; the next day starts empty.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.queue import closing
from kezek.queue import service as queue_service
from kezek.queue.models import QueueEvent, Ticket
from kezek.staff.models import Role
from tests.factories import booking_body, document, start_at
from tests.integration.queue.helpers import DIRECTORY, at, call, walk_in
from tests.integration.staff.helpers import bearer, make_staff


def _at(client: TestClient, moment: datetime) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.context = dataclasses.replace(state.context, clock=lambda: moment)


def _close_due(client: TestClient, moment: datetime) -> int:
    _at(client, moment)
    return queue_service.close_due_days(client.app.state.context)  # type: ignore[attr-defined]


def _statuses(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        return dict(session.execute(select(Ticket.number, Ticket.status)).all())


def test_the_closing_time_closes_who_still_waits(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    walk_in(sessions, now=at(17))
    walk_in(sessions, now=at(17, 10))
    call(sessions, window="1", now=at(17, 30))  # Q-001 is at the window

    before = _close_due(client, at(17, 59))
    closed = _close_due(client, at(18, 0))
    again = _close_due(client, at(18, 1))

    assert (before, closed, again) == (0, 1, 0)
    assert _statuses(sessions) == {1: "called", 2: "not_served"}
    with sessions() as session:
        events = session.scalars(select(QueueEvent.kind).where(QueueEvent.kind == "not_served"))
        assert list(events) == ["not_served"]


def test_no_ticket_is_issued_once_the_line_closed(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    _close_due(client, at(18))

    ticket = {"service": "quick"}
    refused = client.post(
        "/api/v1/offices/bsk/tickets", json=ticket, headers=bearer(client, "kiosk")
    )
    _at(client, at(8, days_ahead=2))  # the next morning
    next_day = client.post(
        "/api/v1/offices/bsk/tickets", json=ticket, headers=bearer(client, "kiosk")
    )

    assert refused.status_code == 409 and refused.json()["code"] == "queue_closed"
    assert next_day.status_code == 201 and next_day.json()["code"] == "Q-001"


def test_the_kpis_count_the_not_served_apart_from_no_shows(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "manager", Role.manager, ["bsk"])
    for minute in range(3):
        walk_in(sessions, now=at(16, minute))
    _close_due(client, at(18))

    kpis = client.get("/api/v1/offices/bsk/kpis", headers=bearer(client, "manager")).json()

    assert (kpis["not_served"], kpis["no_show"], kpis["waiting_now"]) == (3, 0, 0)
    assert kpis["issued"] == 3
    # They waited from 16:00 until the line closed at 18:00: the day's longest waits.
    assert kpis["longest_wait_minutes"] == 120


def test_the_next_morning_closes_yesterday_and_the_board_starts_empty(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    walk_in(sessions, now=at(17))
    call(sessions, window="1", now=at(17, 50))
    walk_in(sessions, now=at(17, 55))

    closed = _close_due(client, at(7, days_ahead=2))
    board = client.get("/api/v1/offices/bsk/board").json()

    assert closed == 2 and _statuses(sessions) == {1: "not_served", 2: "not_served"}
    assert board["last_calls"] == [] and set(board["waiting"].values()) == {0}
    assert board["at_windows"] == []


def test_a_manager_closes_the_line_early_and_a_clerk_may_not(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "manager", Role.manager, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    walk_in(sessions, now=at(14))
    _at(client, at(15))
    close: Callable[[str], object] = lambda user: client.post(  # noqa: E731
        "/api/v1/offices/bsk/close-day", headers=bearer(client, user)
    )

    refused = close("aibek")
    closed = close("manager")

    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert closed.status_code == 200  # type: ignore[attr-defined]
    assert closed.json()["not_served"] == 1  # type: ignore[attr-defined]
    assert _statuses(sessions) == {1: "not_served"}


def test_every_server_process_closes_the_days_that_ended_by_itself(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    walk_in(sessions, now=at(12, days_ahead=-1))  # yesterday's, never called
    closing = settings.model_copy(update={"queue_close_days": True, "queue_close_check_seconds": 1})

    with TestClient(create_app(closing)):
        deadline = time.monotonic() + 10
        while _statuses(sessions) != {1: "not_served"} and time.monotonic() < deadline:
            time.sleep(0.1)

    assert _statuses(sessions) == {1: "not_served"}


def test_a_booked_holder_still_checks_in_after_an_early_close_and_is_kept(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "manager", Role.manager, ["bsk"])
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    start = start_at(days_ahead=1, hour=16)
    reference = client.post("/api/v1/bookings", json=booking_body(start=start)).json()["reference"]
    _at(client, at(14))
    client.post("/api/v1/offices/bsk/close-day", headers=bearer(client, "manager"))

    _at(client, at(15, 55))  # the holder comes for 16:00
    checked_in = client.post(
        "/api/v1/offices/bsk/check-in",
        json={"reference": reference},
        headers={**bearer(client, "door"), "X-Document-Number": document(1)},
    )
    closed_again = _close_due(client, at(18, 5))

    assert checked_in.status_code == 201 and checked_in.json()["appointment_at"] is not None
    # Past closing time, the appointment holder is still in line for the clerks finishing up.
    assert closed_again == 0 and _statuses(sessions) == {1: "waiting"}
    assert _close_due(client, at(7, days_ahead=2)) == 1  # the day over: closed at last


def test_a_citizen_sent_on_after_closing_is_still_served(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    walk_in(sessions, now=at(17, 30))
    _at(client, at(17, 40))
    clerk = bearer(client, "aibek")
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    called = client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk).json()
    client.post(f"/api/v1/tickets/{called['id']}/start", headers=clerk)
    _close_due(client, at(18))

    _at(client, at(18, 10))
    moved = client.post(
        f"/api/v1/tickets/{called['id']}/transfer", json={"service": "long"}, headers=clerk
    )
    closed = _close_due(client, at(18, 11))

    assert moved.status_code == 201 and closed == 0
    with sessions() as session:
        statuses = {t.code: t.status for t in session.scalars(select(Ticket))}
    assert statuses == {"Q-001": "transferred", "L-001": "waiting"}


def test_the_manager_is_told_the_number_the_close_then_sends_home(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "manager", Role.manager, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    walk_in(sessions, now=at(14))
    walk_in(sessions, now=at(14, 1))
    _at(client, at(14, 5))
    clerk = bearer(client, "aibek")
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    called = client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk).json()
    client.post(f"/api/v1/tickets/{called['id']}/start", headers=clerk)
    client.post(f"/api/v1/tickets/{called['id']}/transfer", json={"service": "long"}, headers=clerk)

    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        told = closing.to_send_home(session, office=office, now=at(14, 10))
    _at(client, at(14, 10))
    closed = client.post("/api/v1/offices/bsk/close-day", headers=bearer(client, "manager"))

    # The walk-in sent on to another service is served; only the other walk-in goes home.
    assert told == 1 and closed.json()["not_served"] == 1
    with sessions() as session:
        statuses = {t.code: t.status for t in session.scalars(select(Ticket))}
    assert statuses == {"Q-001": "transferred", "Q-002": "not_served", "L-001": "waiting"}


def test_closings_run_by_several_processes_at_once_close_each_ticket_once(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    for minute in range(12):
        walk_in(sessions, now=at(16, minute))
    context = dataclasses.replace(
        client.app.state.context,  # type: ignore[attr-defined]
        clock=lambda: at(18, 1),
    )
    barrier = threading.Barrier(4)

    def close() -> int:
        barrier.wait()
        return queue_service.close_due_days(context)

    with ThreadPoolExecutor(max_workers=4) as pool:
        closed = sorted(pool.map(lambda _: close(), range(4)))

    assert sum(closed) == 12
    with sessions() as session:
        events = session.scalars(
            select(QueueEvent.ticket_id).where(QueueEvent.kind == "not_served")
        )
        assert sorted(events) == list(range(1, 13))
