"""A kiosk's or a clerk's request sent again with its Idempotency-Key acts only once."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent, Ticket, TicketStatus
from kezek.staff.models import Role
from tests.factories import booking_body, document
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def _clerk(client: TestClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    assert client.post(f"{OFFICE}/windows/1/open", json={}, headers=headers).status_code == 200
    return headers


def _issue(client: TestClient, headers: dict[str, str], key: str | None = None) -> dict[str, str]:
    sent = {**headers, "Idempotency-Key": key} if key else headers
    response = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=sent)
    assert response.status_code == 201, response.text
    return {**response.json(), "replayed": response.headers.get("idempotent-replayed", "")}


def _count(sessions: sessionmaker[Session], *where: object) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0


def test_an_issue_sent_twice_prints_one_ticket_with_one_secret(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)

    first = _issue(client, clerk, "kiosk-7f3a")
    again = _issue(client, clerk, "kiosk-7f3a")

    assert again["id"] == first["id"] and again["code"] == first["code"] == "Q-001"
    assert again["secret"] == first["secret"]
    assert (first["replayed"], again["replayed"]) == ("", "true")
    assert _count(sessions) == 1
    status = client.get(
        f"/api/v1/tickets/{first['id']}", headers={"X-Ticket-Secret": again["secret"]}
    )
    assert status.status_code == 200 and status.json()["code"] == "Q-001"


def test_call_next_sent_twice_calls_one_ticket_and_answers_it_as_it_is_now(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    for _ in range(2):
        _issue(client, clerk)
    keyed = {**clerk, "Idempotency-Key": "window-1-call-1"}

    called = client.post(f"{OFFICE}/windows/1/call-next", headers=keyed)
    client.post(f"/api/v1/tickets/{called.json()['id']}/start", headers=clerk)
    again = client.post(f"{OFFICE}/windows/1/call-next", headers=keyed)

    assert called.status_code == again.status_code == 200
    assert again.json()["id"] == called.json()["id"]
    assert again.json()["status"] == "serving"  # as it is now, not as it was
    assert again.headers["idempotent-replayed"] == "true"
    assert _count(sessions, Ticket.status == TicketStatus.waiting) == 1


def test_a_finish_sent_twice_is_answered_not_refused(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    _issue(client, clerk)
    ticket = client.post(f"{OFFICE}/windows/1/call-next", headers=clerk).json()["id"]
    client.post(f"/api/v1/tickets/{ticket}/start", headers=clerk)
    keyed = {**clerk, "Idempotency-Key": "finish-1"}

    first = client.post(f"/api/v1/tickets/{ticket}/finish", headers=keyed)
    again = client.post(f"/api/v1/tickets/{ticket}/finish", headers=keyed)
    unkeyed = client.post(f"/api/v1/tickets/{ticket}/finish", headers=clerk)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert unkeyed.status_code == 409  # without a key, a second finish is a mistake
    with sessions() as session:
        finishes = select(func.count()).where(QueueEvent.kind == "finish")
        assert session.scalar(finishes) == 1


def test_a_check_in_sent_twice_gives_the_same_ticket(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = client.post("/api/v1/bookings", json=booking_body()).json()
    # The holder comes on the booked day, a few minutes early.
    state = client.app.state  # type: ignore[attr-defined]
    arrive = datetime.fromisoformat(booked["start"]) - timedelta(minutes=5)
    state.context = dataclasses.replace(state.context, clock=lambda: arrive)
    clerk = _clerk(client, sessions)
    headers = {**clerk, "X-Document-Number": document(1), "Idempotency-Key": "check-in-1"}

    body = {"reference": booked["reference"]}
    first = client.post(f"{OFFICE}/check-in", json=body, headers=headers)
    again = client.post(f"{OFFICE}/check-in", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert _count(sessions) == 1


def test_a_key_used_for_another_request_is_refused(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    _issue(client, clerk, "reused")

    other = client.post(
        f"{OFFICE}/tickets",
        json={"service": "long"},
        headers={**clerk, "Idempotency-Key": "reused"},
    )

    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "idempotency_key_reused"
    assert _count(sessions) == 1


def test_the_same_call_sent_at_the_same_instant_calls_one_ticket(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk(client, sessions)
    for _ in range(4):
        _issue(client, clerk)
    keyed = {**clerk, "Idempotency-Key": "impatient-double-click"}
    barrier = threading.Barrier(4)

    def press() -> int:
        barrier.wait()
        response = client.post(f"{OFFICE}/windows/1/call-next", headers=keyed)
        assert response.status_code == 200, response.text
        called: int = response.json()["id"]
        return called

    with ThreadPoolExecutor(max_workers=4) as pool:
        called = list(pool.map(lambda _: press(), range(4)))

    assert len(set(called)) == 1
    assert _count(sessions, Ticket.status == TicketStatus.called) == 1
