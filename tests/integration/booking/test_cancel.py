from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import SlotCell
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from tests.factories import NETWORK_TOML, booking_body, document

HOLDER = {"X-Document-Number": document(1)}


def test_it_cancels_and_frees_the_place(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]

    response = client.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    with sessions() as session:
        assert session.scalars(select(SlotCell.booked)).all() == [0]


def test_after_cancelling_the_citizen_can_book_the_service_again(client: TestClient) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    client.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    assert client.post("/api/v1/bookings", json=booking_body()).status_code == 201


def test_cancelling_twice_is_refused_and_frees_only_once(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    client.post("/api/v1/bookings", json=booking_body(document_number=document(2)))
    client.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    again = client.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    assert again.status_code == 409
    assert again.json()["code"] == "booking_not_active"
    with sessions() as session:
        assert session.scalars(select(SlotCell.booked)).all() == [1]


def test_only_the_holder_can_cancel(client: TestClient) -> None:
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]

    response = client.post(
        f"/api/v1/bookings/{reference}/cancel", headers={"X-Document-Number": document(2)}
    )

    assert response.status_code == 404
    holder_view = client.get(f"/api/v1/bookings/{reference}", headers=HOLDER)
    assert holder_view.json()["status"] == "confirmed"


def test_cancelling_after_the_office_changed_its_slot_length_frees_the_held_cells(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    long = client.post("/api/v1/bookings", json=booking_body(service="long")).json()["reference"]
    longer_slots = NETWORK_TOML.replace("slot_minutes = 10", "slot_minutes = 20", 1)
    spec = parse_network(longer_slots, source="t")
    run_transaction(sessions, lambda session: load_network(session, spec))

    response = client.post(f"/api/v1/bookings/{long}/cancel", headers=HOLDER)

    assert response.status_code == 200
    with sessions() as session:
        assert session.scalars(select(SlotCell.booked)).all() == [0, 0]
