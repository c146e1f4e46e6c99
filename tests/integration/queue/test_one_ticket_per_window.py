"""A window holds one citizen at a time: calling the next settles the one called there, and
closing the window puts its called citizen back in line."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent, Ticket
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def _clerk_with_tickets(
    client: TestClient, sessions: sessionmaker[Session], count: int
) -> dict[str, str]:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=headers)
    for _ in range(count):
        client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=headers)
    return headers


def _ticket(sessions: sessionmaker[Session], code_number: int) -> Ticket:
    with sessions() as session:
        return session.scalars(select(Ticket).where(Ticket.number == code_number)).one()


def test_calling_next_while_someone_is_called_names_them(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = _clerk_with_tickets(client, sessions, 2)
    client.post(f"{OFFICE}/windows/1/call-next", headers=headers)

    refused = client.post(f"{OFFICE}/windows/1/call-next", headers=headers)

    assert refused.status_code == 409
    assert refused.json()["code"] == "window_busy" and refused.json()["ticket"] == "Q-001"
    assert _ticket(sessions, 1).status == "called" and _ticket(sessions, 2).status == "waiting"


def test_no_show_and_call_next(client: TestClient, sessions: sessionmaker[Session]) -> None:
    headers = _clerk_with_tickets(client, sessions, 2)
    client.post(f"{OFFICE}/windows/1/call-next", headers=headers)

    called = client.post(
        f"{OFFICE}/windows/1/call-next", json={"settle": "no_show"}, headers=headers
    )

    assert called.status_code == 200 and called.json()["code"] == "Q-002"
    assert _ticket(sessions, 1).status == "no_show"


def test_back_in_line_and_call_next_keeps_the_place_for_the_next_call(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = _clerk_with_tickets(client, sessions, 3)
    first = client.post(f"{OFFICE}/windows/1/call-next", headers=headers).json()

    second = client.post(
        f"{OFFICE}/windows/1/call-next", json={"settle": "requeue"}, headers=headers
    ).json()
    client.post(f"/api/v1/tickets/{second['id']}/start", headers=headers)
    client.post(f"/api/v1/tickets/{second['id']}/finish", headers=headers)
    third = client.post(f"{OFFICE}/windows/1/call-next", headers=headers).json()

    # Put back, Q-001 is not called again at once, but is the next one called after.
    assert (first["code"], second["code"], third["code"]) == ("Q-001", "Q-002", "Q-001")
    assert _ticket(sessions, 1).arrived_at == datetime.fromisoformat(first["arrived_at"])


def test_someone_being_served_is_finished_before_the_next_call(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = _clerk_with_tickets(client, sessions, 2)
    first = client.post(f"{OFFICE}/windows/1/call-next", headers=headers).json()
    client.post(f"/api/v1/tickets/{first['id']}/start", headers=headers)

    refused = client.post(
        f"{OFFICE}/windows/1/call-next", json={"settle": "no_show"}, headers=headers
    )

    assert refused.status_code == 409 and refused.json()["code"] == "window_busy"
    assert _ticket(sessions, 1).status == "serving"


def test_closing_a_window_puts_its_called_citizen_back_in_line(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = _clerk_with_tickets(client, sessions, 1)
    client.post(f"{OFFICE}/windows/1/call-next", headers=headers)

    closed = client.post(f"{OFFICE}/windows/1/close", headers=headers)

    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    ticket = _ticket(sessions, 1)
    assert (ticket.status, ticket.window_id) == ("waiting", None)
    with sessions() as session:
        kinds = session.scalars(select(QueueEvent.kind).order_by(QueueEvent.id)).all()
    assert kinds == ["issued", "called", "requeue"]
    # Another window calls them next, at their first arrival.
    make_staff(sessions, "asel", Role.clerk, ["bsk"])
    other = bearer(client, "asel")
    client.post(f"{OFFICE}/windows/2/open", json={}, headers=other)
    assert client.post(f"{OFFICE}/windows/2/call-next", headers=other).json()["code"] == "Q-001"


def test_a_window_is_not_closed_under_someone_being_served(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = _clerk_with_tickets(client, sessions, 1)
    called = client.post(f"{OFFICE}/windows/1/call-next", headers=headers).json()
    client.post(f"/api/v1/tickets/{called['id']}/start", headers=headers)

    refused = client.post(f"{OFFICE}/windows/1/close", headers=headers)

    assert refused.status_code == 409 and refused.json()["code"] == "window_busy"
    assert _ticket(sessions, 1).status == "serving"


def test_two_presses_at_once_through_the_api_call_one_citizen(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = _clerk_with_tickets(client, sessions, 4)
    barrier = threading.Barrier(4)

    def press(_: int) -> int:
        barrier.wait()  # four taps, no Idempotency-Key: each a request of its own
        return client.post(f"{OFFICE}/windows/1/call-next", headers=headers).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = sorted(pool.map(press, range(4)))

    assert answers == [200, 409, 409, 409]
    with sessions() as session:
        called = session.scalars(select(Ticket.number).where(Ticket.status == "called")).all()
    assert called == [1]
