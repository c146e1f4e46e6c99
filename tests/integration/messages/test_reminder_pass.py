"""The reminders' pass: a booking writes only its confirmation and when its first reminder is
due; the pass writes each reminder when it comes near, once, to the channels the holder has
then, and only while it is still true."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from kezek.booking.reminders import LOOKAHEAD, write_due_reminders
from kezek.booking.service import write_reminders
from kezek.db import run_transaction
from kezek.notify.models import Channel
from kezek.notify.outbox import Address, add_contact
from kezek.types import utcnow
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.messages.helpers import context, kinds, local, outbox

# Both paths record when the first reminder is due.
pytestmark = BOTH_BOOKING_PATHS


def _day_before() -> datetime:
    """The day-before reminder of a booking two days ahead: the default hour, in Bishkek.
    Worked out when the test runs, as the booking's day is."""
    return local(18, days_ahead=1)


def _soon() -> datetime:
    return local(8, days_ahead=2)  # two hours before 10:00


def _book(client: TestClient, n: int = 1, *, hour: int = 10, minute: int = 0) -> str:
    body = booking_body(
        document_number=document(n), start=start_at(days_ahead=2, hour=hour, minute=minute)
    )
    response = client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


def _remind_at(sessions: sessionmaker[Session], reference: str) -> datetime | None:
    with sessions() as session:
        return session.scalar(select(Booking.remind_at).where(Booking.reference == reference))


def test_a_booking_writes_only_its_confirmation_and_when_its_first_reminder_is_due(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified)

    assert kinds(outbox(sessions)) == [("confirmed", "sms")]
    assert _remind_at(sessions, reference) == _day_before()


def test_each_reminder_is_written_once_when_it_comes_near(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified)
    found = context(notified)

    too_early = write_reminders(found, now=_day_before() - LOOKAHEAD - timedelta(seconds=1))
    day_before = write_reminders(found, now=_day_before() - LOOKAHEAD)
    again = write_reminders(found, now=_day_before() - LOOKAHEAD)
    next_due = _remind_at(sessions, reference)
    soon = write_reminders(found, now=_soon() - timedelta(minutes=3))

    assert (too_early, day_before, again, soon) == (0, 1, 0, 1)
    assert next_due == _soon()
    assert _remind_at(sessions, reference) is None
    rows = outbox(sessions)
    assert kinds(rows) == [
        ("confirmed", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]
    assert [row.due_at for row in rows[1:]] == [_day_before(), _soon()]


def test_a_late_pass_writes_only_what_is_still_true(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    on_time = _book(notified, 1)
    too_late = _book(notified, 2, hour=10, minute=30)
    found = context(notified)

    # The relays were down: the first pass runs on the visit day at 07:55. "Tomorrow"
    # would be untrue now; "today" is still worth sending.
    write_reminders(found, now=local(7, 55, days_ahead=2))
    # And at 10:05, 25 minutes before the second visit: too close for any reminder.
    write_reminders(found, now=local(10, 5, days_ahead=2))

    assert kinds(outbox(sessions, subject=f"booking:{on_time}")) == [
        ("confirmed", "sms"),
        ("reminder_soon", "sms"),
    ]
    assert kinds(outbox(sessions, subject=f"booking:{too_late}")) == [("confirmed", "sms")]


def test_the_reminders_go_to_the_channels_the_holder_has_when_they_are_written(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified)
    mailbox = Address(Channel.email, "aibek@example.kg", "ru")
    run_transaction(
        sessions,
        lambda session: add_contact(
            session.connection(), subject=f"booking:{reference}", to=mailbox, now=utcnow()
        ),
    )

    write_reminders(context(notified), now=_day_before() - LOOKAHEAD)

    [mail] = outbox(sessions, kind="reminder_day_before", channel="email")
    assert mail.address == "aibek@example.kg" and mail.language == "ru"
    assert "Напоминание" in mail.subject_line


def test_passes_running_at_once_write_each_reminder_once(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    references = [_book(notified, n, hour=9 + n // 2, minute=30 * (n % 2)) for n in range(12)]
    found = context(notified)
    written: list[int] = []
    claimed: list[int] = []
    start = threading.Barrier(3)

    def relay() -> None:
        start.wait()
        while True:  # small batches, so that the passes meet on the same bookings
            done = run_transaction(
                sessions,
                lambda session: write_due_reminders(
                    session,
                    directory=found.directory,
                    rules=found.rules.notify,
                    now=_day_before() - LOOKAHEAD,
                    batch=2,
                ),
            )
            written.append(done.written)
            claimed.append(done.bookings)
            if done.bookings < 2:
                return

    threads = [threading.Thread(target=relay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    reminders = outbox(sessions, kind="reminder_day_before")
    # Each booking was taken by one pass only: the passes locked what they took.
    assert sum(claimed) == 12
    assert sum(written) == len(reminders) == 12
    assert sorted(row.key.split(":")[1] for row in reminders) == sorted(references)
    assert all(_remind_at(sessions, reference) is not None for reference in references)
