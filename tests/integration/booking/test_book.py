from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, Citizen, SlotCell
from kezek.booking.reference import ALPHABET
from tests.factories import booking_body, document, start_at


def test_it_books_and_returns_the_reference(client: TestClient) -> None:
    response = client.post("/api/v1/bookings", json=booking_body(phone="+996 555 123 456"))

    assert response.status_code == 201
    body = response.json()
    assert len(body["reference"]) == 8 and set(body["reference"]) <= set(ALPHABET)
    assert body["reference_display"] == f"{body['reference'][:4]}-{body['reference'][4:]}"
    assert response.headers["location"] == f"/api/v1/bookings/{body['reference']}"
    assert body["status"] == "confirmed"
    assert body["start"] == start_at()
    assert body["start"].endswith("+06:00")
    assert body["end"] == datetime.fromisoformat(start_at()).replace(minute=10).isoformat()
    assert body["phone"] == "+996555123456"
    assert body["document_tail"] == "001"
    assert body["office"]["timezone"] == "Asia/Bishkek"


def test_it_stores_the_document_only_as_a_keyed_hash(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    client.post("/api/v1/bookings", json=booking_body(document_number="ac 000-0001"))

    with sessions() as session:
        citizen = session.scalars(select(Citizen)).one()
        columns = [str(getattr(citizen, c.key)) for c in Citizen.__table__.columns]
    assert not any("0000001" in value for value in columns)
    assert len(citizen.document_hash) == 64
    assert citizen.document_tail == "001"


def test_cyrillic_lookalike_letters_are_the_same_document(client: TestClient) -> None:
    first = client.post("/api/v1/bookings", json=booking_body(document_number="AC0000001"))
    again = client.post(
        "/api/v1/bookings",
        json=booking_body(document_number="АС 0000001", start=start_at(hour=11)),
    )

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"


def test_it_counts_the_booking_in_the_slot_cells(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    client.post("/api/v1/bookings", json=booking_body(service="long"))

    with sessions() as session:
        cells = session.scalars(select(SlotCell).order_by(SlotCell.starts_at)).all()
    # A 20-minute service holds two 10-minute cells of the pool of windows 1 and 2.
    assert [(c.pool, c.booked, c.capacity) for c in cells] == [("long,quick", 1, 2)] * 2


def test_one_active_booking_per_citizen_and_service(client: TestClient) -> None:
    client.post("/api/v1/bookings", json=booking_body())
    second = client.post("/api/v1/bookings", json=booking_body(start=start_at(hour=12)))
    other_service = client.post(
        "/api/v1/bookings", json=booking_body(service="other", start=start_at(hour=12))
    )

    assert second.status_code == 409
    assert second.json()["code"] == "already_booked"
    assert second.headers["content-type"] == "application/problem+json"
    assert other_service.status_code == 201


def test_a_full_slot_is_refused_with_slot_full(client: TestClient) -> None:
    statuses = [
        client.post("/api/v1/bookings", json=booking_body(document_number=document(n))).status_code
        for n in range(1, 4)
    ]
    third = client.post("/api/v1/bookings", json=booking_body(document_number=document(9)))

    assert statuses == [201, 201, 409]
    assert third.json()["code"] == "slot_full"
    assert third.json()["errors"][0]["field"] == "start"


def test_a_refused_booking_writes_nothing(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    for n in range(1, 3):
        client.post("/api/v1/bookings", json=booking_body(document_number=document(n)))
    client.post("/api/v1/bookings", json=booking_body(document_number=document(3)))

    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 2
        booked = session.scalars(select(SlotCell.booked)).all()
    assert booked == [2]


def test_a_long_service_takes_no_cell_when_its_second_cell_is_full(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    at_ten_past = start_at(minute=10)
    for n in (2, 3):
        client.post(
            "/api/v1/bookings", json=booking_body(document_number=document(n), start=at_ten_past)
        )

    response = client.post("/api/v1/bookings", json=booking_body(service="long"))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"
    with sessions() as session:
        booked = {c.starts_at.isoformat(): c.booked for c in session.scalars(select(SlotCell))}
    assert sorted(booked.values()) in ([2], [0, 2])
