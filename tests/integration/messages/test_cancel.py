"""Cancelling a booking writes "cancelled" and withdraws the reminders not yet sent; none come
after."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.messages.helpers import (
    PUBLIC_URL,
    book_with_email,
    kinds,
    outbox,
    remind,
)

# The booking being cancelled was written by either path, with its messages.
pytestmark = BOTH_BOOKING_PATHS

HOLDER = {"X-Document-Number": document(1)}
START = start_at(days_ahead=2, hour=10)


def test_cancelling_writes_cancelled_and_withdraws_the_reminders(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = notified.post("/api/v1/bookings", json=booking_body(start=START)).json()[
        "reference"
    ]
    remind(notified)

    response = notified.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    assert response.status_code == 200
    assert remind(notified) == 0
    rows = outbox(sessions)
    assert kinds(rows, status="queued") == [("cancelled", "sms"), ("confirmed", "sms")]
    assert kinds(rows, status="withdrawn") == [
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]
    [cancelled] = [row for row in rows if row.kind == "cancelled"]
    assert cancelled.due_at <= datetime.now(UTC)
    assert f"{reference[:4]}-{reference[4:]}" in cancelled.body
    assert PUBLIC_URL in cancelled.body


def test_cancelling_tells_the_email_address_too(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = book_with_email(notified, "aibek@example.kg", start=START)["reference"]

    notified.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    [mail] = outbox(sessions, kind="cancelled", channel="email")
    assert mail.address == "aibek@example.kg"
    assert f"{reference[:4]}-{reference[4:]}" in mail.subject_line
    assert kinds(outbox(sessions, status="queued")) == [
        ("cancelled", "email"),
        ("cancelled", "sms"),
        ("confirmed", "email"),
        ("confirmed", "sms"),
    ]


def test_a_refused_cancel_writes_nothing(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = notified.post("/api/v1/bookings", json=booking_body(start=START)).json()[
        "reference"
    ]
    notified.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)
    written = outbox(sessions)

    again = notified.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)

    assert again.json()["code"] == "booking_not_active"
    assert outbox(sessions) == written
