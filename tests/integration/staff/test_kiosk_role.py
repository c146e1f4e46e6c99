"""A kiosk account issues tickets and checks bookings in at its office, and nothing else."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.factories import booking_body
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def test_a_kiosk_issues_tickets_at_its_office(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    kiosk = bearer(client, "door")

    issued = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk)
    elsewhere = client.post("/api/v1/offices/big/tickets", json={"service": "quick"}, headers=kiosk)

    assert issued.status_code == 201 and issued.json()["code"] == "Q-001"
    assert elsewhere.status_code == 403


def test_a_kiosk_checks_a_booking_in(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    booked = client.post("/api/v1/bookings", json=booking_body()).json()

    # Not on the booked day: the kiosk may ask, and is told why not.
    refused = client.post(
        f"{OFFICE}/check-in",
        json={"reference": booked["reference"]},
        headers={**bearer(client, "door"), "X-Document-Number": "AC0000001"},
    )

    assert refused.status_code == 409 and refused.json()["reason"] == "other_day"


def test_a_kiosk_works_no_window_and_sees_no_figures(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    kiosk = bearer(client, "door")
    ticket = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()

    refused = [
        client.post(f"{OFFICE}/windows/1/open", json={}, headers=kiosk),
        client.post(f"{OFFICE}/windows/1/call-next", headers=kiosk),
        client.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=kiosk),
        client.post(
            f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "long"}, headers=kiosk
        ),
        client.post(f"{OFFICE}/close-day", headers=kiosk),
        client.get(f"{OFFICE}/kpis", headers=kiosk),
    ]

    assert [response.status_code for response in refused] == [403] * 6
