"""A booking writes its confirmation, and its two reminders come at their hours; a replayed or
refused one writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.messages.conftest import messaging_client
from tests.integration.messages.helpers import (
    PUBLIC_URL,
    book_with_email,
    kinds,
    local,
    outbox,
    remind,
)

# The one-statement path writes the messages in its SQL, the general one in Python.
pytestmark = BOTH_BOOKING_PATHS

TWO_DAYS_AT_TEN = start_at(days_ahead=2, hour=10)


def test_the_confirmation_goes_by_sms_to_the_normalised_phone(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    before = datetime.now(UTC)
    body = booking_body(phone="0555 123 456", start=TWO_DAYS_AT_TEN)
    reference = notified.post("/api/v1/bookings", json=body).json()["reference"]

    [confirmation] = outbox(sessions, kind="confirmed")
    assert confirmation.channel == "sms"
    assert confirmation.address == "+996555123456"
    assert confirmation.language == "ky"
    assert confirmation.status == "queued"
    assert before - timedelta(seconds=1) <= confirmation.due_at <= datetime.now(UTC)
    assert f"{reference[:4]}-{reference[4:]}" in confirmation.body
    assert f"{PUBLIC_URL}/b/{reference}" in confirmation.body
    assert confirmation.key.startswith(f"booking:{reference}:confirmed")


def test_the_reminders_are_due_at_their_local_hours(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    notified.post("/api/v1/bookings", json=booking_body(start=TWO_DAYS_AT_TEN))
    remind(notified)

    due = {row.kind: row.due_at for row in outbox(sessions) if row.kind.startswith("reminder")}
    # Bishkek is UTC+6: 18:00 the day before is 12:00 UTC, 08:00 on the day is 02:00 UTC.
    assert due == {
        "reminder_day_before": local(18, days_ahead=1),
        "reminder_soon": local(8, days_ahead=2),
    }
    assert due["reminder_soon"] == datetime.fromisoformat(TWO_DAYS_AT_TEN) - timedelta(hours=2)


def test_an_email_address_gets_the_same_messages_and_the_calendar_file(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = book_with_email(notified, "aibek@example.kg", start=TWO_DAYS_AT_TEN, language="ru")
    reference = booked["reference"]
    remind(notified)

    rows = outbox(sessions)
    assert kinds(rows) == sorted(
        (kind, channel)
        for kind in ("confirmed", "reminder_day_before", "reminder_soon")
        for channel in ("sms", "email")
    )
    [mail] = [r for r in rows if r.kind == "confirmed" and r.channel == "email"]
    assert mail.address == "aibek@example.kg"
    assert mail.language == "ru"
    assert f"{reference[:4]}-{reference[4:]}" in mail.subject_line
    assert mail.calendar is not None
    assert mail.calendar.startswith("BEGIN:VCALENDAR\r\n")
    starts = datetime.fromisoformat(TWO_DAYS_AT_TEN).astimezone(UTC)
    assert f"DTSTART:{starts:%Y%m%dT%H%M%SZ}\r\n" in mail.calendar
    assert f"UID:{reference}@" in mail.calendar
    # The reminders by e-mail come without a calendar file: the first one is in the calendar.
    assert all(r.calendar is None for r in rows if r.kind.startswith("reminder"))
    assert all(r.address == booked["phone"] for r in rows if r.channel == "sms")


def test_a_replayed_booking_writes_nothing_more(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    headers = {"Idempotency-Key": "replay-0001"}
    first = notified.post("/api/v1/bookings", json=booking_body(), headers=headers)
    written = outbox(sessions)

    again = notified.post("/api/v1/bookings", json=booking_body(), headers=headers)

    assert again.json()["reference"] == first.json()["reference"]
    assert kinds(written) == [("confirmed", "sms")]
    assert outbox(sessions) == written


def test_a_booking_refused_for_a_full_slot_writes_nothing(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    for n in (1, 2):
        body = booking_body(document_number=document(n), start=TWO_DAYS_AT_TEN)
        assert notified.post("/api/v1/bookings", json=body).status_code == 201
    written = outbox(sessions)

    body = booking_body(document_number=document(3), start=TWO_DAYS_AT_TEN)
    refused = notified.post("/api/v1/bookings", json=body)

    assert refused.json()["code"] == "slot_full"
    assert outbox(sessions) == written


def test_a_booking_refused_as_already_booked_writes_nothing(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    notified.post("/api/v1/bookings", json=booking_body(start=TWO_DAYS_AT_TEN))
    written = outbox(sessions)

    refused = notified.post("/api/v1/bookings", json=booking_body(start=start_at(hour=15)))

    assert refused.json()["code"] == "already_booked"
    assert outbox(sessions) == written


@pytest.fixture
def capped(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    yield from messaging_client(settings, limit_bookings_per_phone=1)


def test_a_booking_refused_at_the_phone_cap_writes_nothing(
    capped: TestClient, sessions: sessionmaker[Session]
) -> None:
    shared = "+996 700 111 222"
    capped.post("/api/v1/bookings", json=booking_body(phone=shared, start=TWO_DAYS_AT_TEN))
    written = outbox(sessions)

    body = booking_body(document_number=document(2), phone=shared, start=start_at(hour=15))
    refused = capped.post("/api/v1/bookings", json=body)

    assert refused.json()["code"] == "phone_booking_limit"
    assert outbox(sessions) == written
