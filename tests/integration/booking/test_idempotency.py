from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from tests.factories import booking_body, start_at


def test_a_retry_with_the_same_key_returns_the_same_booking(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = {"Idempotency-Key": "9f1c2a7e-retry"}
    first = client.post("/api/v1/bookings", json=booking_body(), headers=headers)
    retry = client.post("/api/v1/bookings", json=booking_body(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_retry_after_the_slot_filled_still_returns_the_booking(client: TestClient) -> None:
    headers = {"Idempotency-Key": "key-1"}
    first = client.post("/api/v1/bookings", json=booking_body(), headers=headers)
    for n in (2, 3):
        client.post("/api/v1/bookings", json=booking_body(document_number=f"AC000000{n}"))

    retry = client.post("/api/v1/bookings", json=booking_body(), headers=headers)

    assert retry.status_code == 201
    assert retry.json()["reference"] == first.json()["reference"]


def test_the_same_key_with_another_request_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "key-2"}
    client.post("/api/v1/bookings", json=booking_body(), headers=headers)

    other = client.post(
        "/api/v1/bookings",
        json=booking_body(document_number="AC0000002", start=start_at(hour=12)),
        headers=headers,
    )

    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


def test_without_a_key_a_repeat_is_a_second_attempt(client: TestClient) -> None:
    client.post("/api/v1/bookings", json=booking_body())

    again = client.post("/api/v1/bookings", json=booking_body())

    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"
