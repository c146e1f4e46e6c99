"""Bad requests to the queue get a clear problem+json answer and change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent, Ticket
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def _state(sessions: sessionmaker[Session]) -> tuple[list[tuple[int, str]], int]:
    with sessions() as session:
        tickets = [tuple(row) for row in session.execute(select(Ticket.id, Ticket.status))]
        events = session.scalar(select(func.count()).select_from(QueueEvent)) or 0
    return sorted(tickets), events  # type: ignore[arg-type]


def _problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["detail"]
    return body


def _clerk_with_a_called_ticket(
    client: TestClient, sessions: sessionmaker[Session]
) -> tuple[dict[str, str], dict[str, object]]:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(client, "aibek")
    client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=clerk)
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=clerk)
    called = client.post(f"{OFFICE}/windows/1/call-next", headers=clerk).json()
    return clerk, called


def test_an_unknown_ticket_is_404(client: TestClient, sessions: sessionmaker[Session]) -> None:
    clerk, _ = _clerk_with_a_called_ticket(client, sessions)
    before = _state(sessions)

    body = _problem(client.post("/api/v1/tickets/999999/finish", headers=clerk), 404)

    assert "999999" in str(body["detail"])
    assert _state(sessions) == before


def test_finishing_a_ticket_not_being_served_is_409(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk, called = _clerk_with_a_called_ticket(client, sessions)
    before = _state(sessions)

    body = _problem(client.post(f"/api/v1/tickets/{called['id']}/finish", headers=clerk), 409)

    assert "'finish' needs it serving" in str(body["detail"])
    assert _state(sessions) == before


def test_starting_a_ticket_twice_is_409(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk, called = _clerk_with_a_called_ticket(client, sessions)
    client.post(f"/api/v1/tickets/{called['id']}/start", headers=clerk)
    before = _state(sessions)

    _problem(client.post(f"/api/v1/tickets/{called['id']}/start", headers=clerk), 409)

    assert _state(sessions) == before


def test_calling_at_a_window_not_opened_is_409(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk, _ = _clerk_with_a_called_ticket(client, sessions)
    client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=clerk)
    before = _state(sessions)

    body = _problem(client.post(f"{OFFICE}/windows/2/call-next", headers=clerk), 409)

    assert "Open window 2" in str(body["detail"])
    assert _state(sessions) == before


def test_an_unknown_window_and_an_unknown_service_name_the_field(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk, called = _clerk_with_a_called_ticket(client, sessions)
    before = _state(sessions)

    window = _problem(client.post(f"{OFFICE}/windows/99/call-next", headers=clerk), 404)
    service = _problem(
        client.post(f"{OFFICE}/tickets", json={"service": "visa"}, headers=clerk), 422
    )
    transfer = _problem(
        client.post(
            f"/api/v1/tickets/{called['id']}/transfer", json={"service": "visa"}, headers=clerk
        ),
        422,
    )

    assert "window" in str(window["detail"]).lower()
    assert "visa" in str(service["detail"]) and "quick" in str(service["detail"])
    assert "visa" in str(transfer["detail"])
    assert _state(sessions) == before


def test_an_unknown_action_is_422(client: TestClient, sessions: sessionmaker[Session]) -> None:
    clerk, called = _clerk_with_a_called_ticket(client, sessions)
    before = _state(sessions)

    _problem(client.post(f"/api/v1/tickets/{called['id']}/explode", headers=clerk), 422)

    assert _state(sessions) == before
