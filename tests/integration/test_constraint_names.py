"""A broken constraint is named the same on both databases, so no code reads error text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, Citizen, SlotCell
from kezek.db import violated_constraint
from kezek.queue.models import QueueRequest
from kezek.staff.models import Role
from tests.factories import booking_body
from tests.integration.staff.helpers import bearer, make_staff

BOOKING: Table = Booking.__table__  # type: ignore[assignment]
CITIZEN: Table = Citizen.__table__  # type: ignore[assignment]


def _copy(session: Session, table: Table, **changes: Any) -> None:
    """Insert a copy of the table's first row, with a new id and ``changes``."""
    row = dict(session.execute(select(table)).mappings().first() or {})
    row.pop("id", None)
    session.execute(insert(table).values({**row, **changes}))


def _violated(sessions: sessionmaker[Session], write: Callable[[Session], None]) -> str | None:
    with pytest.raises(IntegrityError) as raised, sessions.begin() as session:
        write(session)
    return violated_constraint(raised.value)


@pytest.fixture
def booked(client: TestClient) -> None:
    made = client.post(
        "/api/v1/bookings", json=booking_body(), headers={"Idempotency-Key": "key-1"}
    )
    assert made.status_code == 201, made.text


def test_a_second_citizen_with_the_same_document(
    booked: None, sessions: sessionmaker[Session]
) -> None:
    assert _violated(sessions, lambda s: _copy(s, CITIZEN)) == "uq_citizen_document_hash"


def test_a_second_active_booking_of_a_citizen_for_a_service(
    booked: None, sessions: sessionmaker[Session]
) -> None:
    copy = {"reference": "ZZZZZZZZ", "idempotency_key": None}
    assert _violated(sessions, lambda s: _copy(s, BOOKING, **copy)) == "uq_booking_one_active"


def test_a_reference_drawn_twice(booked: None, sessions: sessionmaker[Session]) -> None:
    copy = {"status": "cancelled", "idempotency_key": None}
    assert _violated(sessions, lambda s: _copy(s, BOOKING, **copy)) == "uq_booking_reference"


def test_an_idempotency_key_used_twice(booked: None, sessions: sessionmaker[Session]) -> None:
    copy = {"status": "cancelled", "reference": "ZZZZZZZZ"}
    violated = _violated(sessions, lambda s: _copy(s, BOOKING, **copy))
    assert violated == "uq_booking_idempotency_key"


def test_an_oversold_cell(booked: None, sessions: sessionmaker[Session]) -> None:
    def oversell(session: Session) -> None:
        session.execute(update(SlotCell).values(booked=SlotCell.capacity + 1))

    assert _violated(sessions, oversell) == "ck_slot_cell_within_capacity"


def test_a_queue_request_recorded_twice(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "kiosk", Role.clerk, ["bsk"])
    headers = {**bearer(client, "kiosk"), "Idempotency-Key": "kiosk-1"}
    issued = client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=headers)
    assert issued.status_code == 201, issued.text
    table: Table = QueueRequest.__table__  # type: ignore[assignment]

    assert _violated(sessions, lambda s: _copy(s, table)) == "pk_queue_request"


def test_other_errors_name_no_constraint() -> None:
    assert violated_constraint(IntegrityError("INSERT", {}, Exception("disk I/O error"))) is None
