"""A citizen follows their ticket live: place in line, estimate, and the window once called."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def _kiosk(client: TestClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    return bearer(client, "kiosk-bsk")


def _status(client: TestClient, issued: dict[str, object]) -> dict[str, object]:
    response = client.get(
        f"/api/v1/tickets/{issued['id']}", headers={"X-Ticket-Secret": str(issued["secret"])}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_walk_in_sees_their_place_and_estimate(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    kiosk = _kiosk(client, sessions)
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=kiosk)
    first = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()
    second = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()

    mine = _status(client, second)

    assert first["code"] == "Q-001" and second["code"] == "Q-002"
    # Ten characters of Crockford's base32 (50 bits): short enough to type from the receipt.
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", str(second["secret"]))
    assert mine["status"] == "waiting" and mine["position"] == 2
    estimate = datetime.fromisoformat(str(mine["estimated_call_at"]))
    arrived = datetime.fromisoformat(str(second["arrived_at"]))
    # One open window, a 10-minute service ahead of this ticket.
    assert timedelta(minutes=9) < estimate - arrived < timedelta(minutes=11)
    assert str(mine["estimated_call_at"]).endswith("+06:00")


def test_once_called_the_ticket_shows_its_window(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    kiosk = _kiosk(client, sessions)
    client.post(f"{OFFICE}/windows/2/open", json={}, headers=kiosk)
    issued = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()
    client.post(f"{OFFICE}/windows/2/call-next", headers=kiosk)

    mine = _status(client, issued)

    assert mine["status"] == "called" and mine["window"] == "2" and mine["position"] is None


def test_without_an_open_window_there_is_no_estimate(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    kiosk = _kiosk(client, sessions)
    issued = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()

    mine = _status(client, issued)

    assert mine["position"] is None and mine["estimated_call_at"] is None


def test_a_wrong_secret_shows_nothing(client: TestClient, sessions: sessionmaker[Session]) -> None:
    kiosk = _kiosk(client, sessions)
    issued = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()

    response = client.get(f"/api/v1/tickets/{issued['id']}", headers={"X-Ticket-Secret": "guess"})

    assert response.status_code == 404
