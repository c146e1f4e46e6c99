"""Checking in with a booking: on time it is an appointment ticket, late it becomes a walk-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.queue import tickets
from kezek.queue.models import Ticket
from kezek.queue.tickets import CheckInRefused
from kezek.staff.models import Role
from tests.factories import NETWORK_TOML, booking_body, document, start_at
from tests.integration.queue.helpers import DIRECTORY, call, walk_in
from tests.integration.staff.helpers import bearer, make_staff


def _check_in(
    sessions: sessionmaker[Session], reference: str, *, now: datetime, secret: bytes
) -> Ticket:
    work = partial(
        tickets.check_in,
        directory=DIRECTORY,
        office_code="bsk",
        reference=reference,
        document_number=document(1),
        secret=secret,
        now=now,
    )
    return run_transaction(sessions, work).ticket


@pytest.fixture
def reference(client: TestClient) -> str:
    booked = client.post("/api/v1/bookings", json=booking_body(start=start_at(hour=11)))
    assert booked.status_code == 201, booked.text
    code: str = booked.json()["reference"]
    return code


ELEVEN = datetime.fromisoformat(start_at(hour=11))


def test_on_time_gives_an_appointment_ticket_called_ahead_of_walk_ins(
    client: TestClient, sessions: sessionmaker[Session], reference: str, secret: bytes
) -> None:
    walk_in(sessions, now=ELEVEN - timedelta(hours=1))
    ticket = _check_in(sessions, reference, now=ELEVEN - timedelta(minutes=10), secret=secret)

    called = call(sessions, window="1", now=ELEVEN)

    assert ticket.kind == "appointment" and ticket.appointment_at == ELEVEN
    assert ticket.booking_id is not None
    assert called is not None and called.id == ticket.id


def test_late_becomes_a_walk_in(
    client: TestClient, sessions: sessionmaker[Session], reference: str, secret: bytes
) -> None:
    ticket = _check_in(sessions, reference, now=ELEVEN + timedelta(minutes=20), secret=secret)

    assert ticket.kind == "walk_in" and ticket.appointment_at is None


def test_late_is_turned_away_when_the_office_says_so(
    client: TestClient, sessions: sessionmaker[Session], reference: str, secret: bytes
) -> None:
    strict = NETWORK_TOML.replace(
        'slot_minutes = 10\nservices = ["quick", "long", "other"]',
        'slot_minutes = 10\nservices = ["quick", "long", "other"]\n'
        'queue = { late_arrival = "refuse" }',
        1,
    )
    spec = parse_network(strict, source="t")
    run_transaction(sessions, lambda session: load_network(session, spec))

    with pytest.raises(CheckInRefused, match="time has passed"):
        _check_in(sessions, reference, now=ELEVEN + timedelta(minutes=20), secret=secret)


def test_a_booking_checks_in_once_and_only_on_its_day(
    client: TestClient, sessions: sessionmaker[Session], reference: str, secret: bytes
) -> None:
    with pytest.raises(CheckInRefused, match="another day"):
        _check_in(sessions, reference, now=ELEVEN - timedelta(days=1), secret=secret)
    _check_in(sessions, reference, now=ELEVEN, secret=secret)
    with pytest.raises(CheckInRefused, match="already checked in"):
        _check_in(sessions, reference, now=ELEVEN, secret=secret)


def test_check_in_at_the_right_office_only(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    make_staff(sessions, "kiosk-big", Role.clerk, ["big"])
    booked = client.post("/api/v1/bookings", json=booking_body()).json()
    holder = {"X-Document-Number": document(1)}

    elsewhere = client.post(
        "/api/v1/offices/big/check-in",
        json={"reference": booked["reference"]},
        headers={**bearer(client, "kiosk-big"), **holder},
    )
    not_today = client.post(
        "/api/v1/offices/bsk/check-in",
        json={"reference": booked["reference"]},
        headers={**bearer(client, "kiosk-bsk"), **holder},
    )

    assert elsewhere.status_code == 409 and "Bishkek office" in elsewhere.json()["detail"]
    # The booking is for tomorrow: the kiosk refuses it today.
    assert not_today.status_code == 409 and "another day" in not_today.json()["detail"]
