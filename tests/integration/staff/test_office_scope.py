"""Every staff endpoint checks the office: a clerk of office A gets 403 at office B."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import bearer, make_staff


def _ticket(sessions: sessionmaker[Session], office: str) -> int:
    return walk_in(sessions, now=utcnow(), office=office).id


def test_a_clerk_calls_at_their_office_and_is_refused_at_another(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    own, other = _ticket(sessions, "bsk"), _ticket(sessions, "big")

    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=headers)
    called = client.post("/api/v1/offices/bsk/windows/1/call-next", headers=headers)
    refused = client.post("/api/v1/offices/big/windows/1/open", json={}, headers=headers)
    refused_action = client.post(f"/api/v1/tickets/{other}/cancel", headers=headers)
    own_action = client.post(f"/api/v1/tickets/{own}/start", headers=headers)

    assert called.status_code == 200 and called.json()["code"] == "Q-001"
    assert called.json()["window"] == "1"
    assert refused.status_code == refused_action.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert own_action.status_code == 200 and own_action.json()["status"] == "serving"


def test_an_admin_acts_everywhere_and_an_empty_queue_is_204(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    headers = bearer(client, "root")

    client.post("/api/v1/offices/big/windows/1/open", json={}, headers=headers)
    response = client.post("/api/v1/offices/big/windows/1/call-next", headers=headers)

    assert response.status_code == 204


def test_a_manager_of_two_offices(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk", "big"])
    headers = bearer(client, "gulnara")
    ticket = _ticket(sessions, "big")

    response = client.post(f"/api/v1/tickets/{ticket}/cancel", headers=headers)
    not_called = client.post(f"/api/v1/tickets/{ticket}/finish", headers=headers)

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert not_called.status_code == 409 and not_called.json()["code"] == "ticket_state"
