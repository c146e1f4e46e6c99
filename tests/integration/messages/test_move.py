"""Moving a booking writes "moved" and withdraws the old reminders; the new ones come at their
hours."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.messages.helpers import book_with_email, kinds, local, outbox, remind

# The booking being moved was written by either path, with its messages.
pytestmark = BOTH_BOOKING_PATHS

HOLDER = {"X-Document-Number": document(1)}
FIRST = start_at(days_ahead=2, hour=10)
LATER = start_at(days_ahead=3, hour=11)


def _move(client: TestClient, reference: str, start: str) -> None:
    response = client.post(
        f"/api/v1/bookings/{reference}/reschedule", json={"start": start}, headers=HOLDER
    )
    assert response.status_code == 200, response.text


def _book(client: TestClient) -> str:
    """A booking at FIRST, with its reminders written as they come near."""
    reference: str = client.post("/api/v1/bookings", json=booking_body(start=FIRST)).json()[
        "reference"
    ]
    remind(client)
    return reference


def _reminders_due(sessions: sessionmaker[Session]) -> dict[str, datetime]:
    return {
        row.kind: row.due_at
        for row in outbox(sessions, status="queued")
        if row.kind.startswith("reminder")
    }


def test_moving_writes_moved_and_the_new_reminders(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified)

    _move(notified, reference, LATER)
    remind(notified)

    rows = outbox(sessions)
    assert kinds(rows, status="withdrawn") == [
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]
    assert kinds(rows, status="queued") == [
        ("confirmed", "sms"),
        ("moved", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]
    [moved] = [row for row in rows if row.kind == "moved"]
    assert moved.due_at <= datetime.now(UTC)
    assert "11:00" in moved.body and reference[:4] in moved.body
    assert _reminders_due(sessions) == {
        "reminder_day_before": local(18, days_ahead=2),
        "reminder_soon": local(9, days_ahead=3),
    }


def test_moving_back_to_the_first_time_writes_its_reminders_again(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified)
    first_reminders = _reminders_due(sessions)

    _move(notified, reference, LATER)
    remind(notified)
    _move(notified, reference, FIRST)
    remind(notified)

    rows = outbox(sessions)
    assert [row.kind for row in rows if row.kind == "moved"] == ["moved", "moved"]
    assert _reminders_due(sessions) == first_reminders
    assert kinds(rows, status="withdrawn") == [
        ("reminder_day_before", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
        ("reminder_soon", "sms"),
    ]


def test_a_move_by_email_carries_the_new_calendar_entry(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = book_with_email(notified, "aibek@example.kg", start=FIRST)["reference"]

    _move(notified, reference, LATER)
    remind(notified)

    [mail] = outbox(sessions, kind="moved", channel="email")
    later = datetime.fromisoformat(LATER).astimezone(UTC)
    assert mail.calendar is not None and f"DTSTART:{later:%Y%m%dT%H%M%SZ}" in mail.calendar
    assert mail.address == "aibek@example.kg"
    assert kinds(outbox(sessions, status="queued", channel="email")) == [
        ("confirmed", "email"),
        ("moved", "email"),
        ("reminder_day_before", "email"),
        ("reminder_soon", "email"),
    ]


def test_a_refused_move_writes_nothing(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified)
    for n in (2, 3):
        body = booking_body(document_number=document(n), start=LATER)
        notified.post("/api/v1/bookings", json=body)
    written = outbox(sessions)

    refused = notified.post(
        f"/api/v1/bookings/{reference}/reschedule", json={"start": LATER}, headers=HOLDER
    )

    assert refused.json()["code"] == "slot_full"
    assert outbox(sessions) == written
