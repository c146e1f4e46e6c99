from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import SlotCell
from tests.factories import booking_body, document, start_at

HOLDER = {"X-Document-Number": document(1)}


def _cells(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.scalars(select(SlotCell).order_by(SlotCell.starts_at)).all()
        return {row.starts_at.isoformat(): row.booked for row in rows}


def test_it_moves_the_booking_and_frees_the_old_place(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]

    response = client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(hour=15)},
        headers=HOLDER,
    )

    assert response.status_code == 200
    assert response.json()["start"] == start_at(hour=15)
    assert response.json()["reference"] == reference
    assert sorted(_cells(sessions).values()) == [0, 1]


def test_a_move_onto_a_full_slot_keeps_the_old_place(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    for n in (2, 3):
        client.post(
            "/api/v1/bookings",
            json=booking_body(document_number=document(n), start=start_at(hour=15)),
        )
    before = _cells(sessions)

    response = client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(hour=15)},
        headers=HOLDER,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"
    assert _cells(sessions) == before
    kept = client.get(f"/api/v1/bookings/{reference}", headers=HOLDER).json()
    assert kept["start"] == start_at()


def test_it_moves_a_long_booking_by_one_cell_onto_itself(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    # Windows 1 and 2 are both busy at 10:00-10:20; moving one booking 10 minutes later
    # must reuse its own 10:10 cell rather than count it twice.
    reference = client.post("/api/v1/bookings", json=booking_body(service="long")).json()[
        "reference"
    ]
    client.post("/api/v1/bookings", json=booking_body(service="long", document_number=document(2)))

    response = client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(minute=10)},
        headers=HOLDER,
    )

    assert response.status_code == 200
    assert list(_cells(sessions).values()) == [1, 2, 1]


def test_a_cancelled_booking_cannot_be_moved(client: TestClient) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    client.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    response = client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(hour=15)},
        headers=HOLDER,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "booking_not_active"


def test_it_refuses_a_move_into_the_past(client: TestClient) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]

    response = client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(days_ahead=-1)},
        headers=HOLDER,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "start"
