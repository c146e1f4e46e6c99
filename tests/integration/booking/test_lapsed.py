"""A confirmed booking whose time has passed does not stop the citizen booking again."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from kezek.types import utcnow
from tests.factories import booking_body, start_at


def test_a_passed_booking_lapses_when_the_citizen_books_again(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    old = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    with sessions.begin() as session:
        past = utcnow() - timedelta(days=3)
        session.execute(
            update(Booking)
            .where(Booking.reference == old)
            .values(starts_at=past, ends_at=past + timedelta(minutes=10))
        )

    again = client.post("/api/v1/bookings", json=booking_body(start=start_at(hour=14)))

    assert again.status_code == 201, again.text
    with sessions() as session:
        rows = session.execute(select(Booking.reference, Booking.status)).all()
        statuses = dict(rows)
    assert statuses == {old: "lapsed", again.json()["reference"]: "confirmed"}
