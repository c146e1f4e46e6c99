"""A network file that closes a booked day tells each holder once and withdraws their
reminders, and none come for that day after; loading it again writes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.admin.service import NetworkLoaded, load_network_file
from kezek.booking.closed_days import tell_closed_days
from kezek.booking.details import booking_details
from kezek.booking.models import Booking, Citizen
from kezek.booking.notices import tell
from kezek.booking.reminders import LOOKAHEAD, NETWORK_COPY_AGE, write_for_new_contact
from kezek.booking.service import write_reminders
from kezek.db import run_transaction
from kezek.network.directory import Directory
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.notify.models import Channel, OutboxMessage
from kezek.notify.outbox import Address
from kezek.types import utcnow
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import NETWORK_TOML, ZONES, booking_body, document, local_day, start_at
from tests.integration.messages.helpers import (
    book_with_email,
    closing,
    context,
    kinds,
    local,
    outbox,
    remind,
)

# The bookings being told were written by either path, with their reminders.
pytestmark = BOTH_BOOKING_PATHS

CLOSED = 3  # days ahead


def _load(client: TestClient, sessions: sessionmaker[Session]) -> NetworkLoaded:
    spec = parse_network(closing(local_day(days_ahead=CLOSED)), source="closing.toml")
    return load_network_file(sessions, spec, notify=context(client).rules.notify)


def _book(client: TestClient, n: int, days_ahead: int, **overrides: str) -> str:
    body = booking_body(
        document_number=document(n), start=start_at(days_ahead=days_ahead), **overrides
    )
    response = client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


def test_each_holder_on_the_closed_day_is_told_once(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    on_the_day = [_book(notified, 1, CLOSED), _book(notified, 2, CLOSED, language="ru")]
    other_day = _book(notified, 3, CLOSED + 1)
    remind(notified)

    loaded = _load(notified, sessions)
    again = _load(notified, sessions)

    told = outbox(sessions, kind="office_closed")
    assert (loaded.told, again.told) == (2, 0)
    assert sorted(row.key.split(":")[1] for row in told) == sorted(on_the_day)
    assert {row.language for row in told} == {"ky", "ru"}
    day = local_day(days_ahead=CLOSED).strftime("%d.%m.%Y")
    assert all(day in row.body and "Бишкек" in row.body for row in told)
    for reference in on_the_day:
        assert kinds(outbox(sessions, subject=f"booking:{reference}", status="withdrawn")) == [
            ("reminder_day_before", "sms"),
            ("reminder_soon", "sms"),
        ]
    assert outbox(sessions, subject=f"booking:{other_day}", status="withdrawn") == []


def test_no_reminder_comes_for_the_closed_day(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    on_the_day = _book(notified, 1, CLOSED)
    other_day = _book(notified, 2, CLOSED + 1)
    _load(notified, sessions)

    remind(notified)

    assert kinds(outbox(sessions, subject=f"booking:{on_the_day}")) == [
        ("confirmed", "sms"),
        ("office_closed", "sms"),
    ]
    assert kinds(outbox(sessions, subject=f"booking:{other_day}")) == [
        ("confirmed", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]


def test_a_chat_linked_to_a_booking_on_the_closed_day_gets_no_reminders(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified, 1, CLOSED)
    _load(notified, sessions)
    found = context(notified)
    chat = Address(Channel.telegram, "5551234", "ky")

    written = run_transaction(
        sessions,
        lambda session: write_for_new_contact(
            session,
            directory=Directory(max_age=0),
            reference=reference,
            to=chat,
            rules=found.rules.notify,
            now=utcnow(),
        ),
    )

    assert written == 0
    assert outbox(sessions, channel="telegram") == []


def test_the_pass_heeds_a_closure_notice_its_copy_of_the_network_has_not_seen(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified, 1, CLOSED)
    found = context(notified)
    pass_at = local(18, days_ahead=CLOSED - 1) - LOOKAHEAD  # the day-before reminder's

    def closure_told(session: Session) -> int:
        booking, citizen = session.execute(
            select(Booking, Citizen).join(Citizen).where(Booking.reference == reference)
        ).one()
        details = booking_details(session, Directory(max_age=0), booking, citizen)
        rules = found.rules.notify
        closed_at = pass_at - timedelta(minutes=1)
        return tell(session.connection(), details, "office_closed", rules=rules, now=closed_at)

    # As another process's load writes it a minute before the pass, whose copy of the
    # network does not show the closure yet.
    assert run_transaction(sessions, closure_told) == 1

    written = write_reminders(found, now=pass_at)

    assert written == 0
    assert kinds(outbox(sessions, subject=f"booking:{reference}")) == [
        ("confirmed", "sms"),
        ("office_closed", "sms"),
    ]


def test_a_day_opened_again_gets_its_reminders(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified, 1, CLOSED)
    _load(notified, sessions)
    reopened = parse_network(NETWORK_TOML, source="reopened.toml")
    load_network_file(sessions, reopened, notify=context(notified).rules.notify)
    # The closure notice is older than any process's copy of the network by now.
    run_transaction(
        sessions,
        lambda session: session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == "office_closed")
            .values(created_at=utcnow() - NETWORK_COPY_AGE - timedelta(minutes=1))
        ),
    )

    remind(notified)

    assert kinds(outbox(sessions, subject=f"booking:{reference}", status="queued")) == [
        ("confirmed", "sms"),
        ("office_closed", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]


def test_an_email_address_is_told_too(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    book_with_email(notified, "aibek@example.kg", start=start_at(days_ahead=CLOSED))

    _load(notified, sessions)

    assert kinds(outbox(sessions, kind="office_closed")) == [
        ("office_closed", "email"),
        ("office_closed", "sms"),
    ]
    [mail] = outbox(sessions, kind="office_closed", channel="email")
    assert mail.subject_line and mail.calendar is None


def test_a_notice_waiting_for_the_morning_is_withdrawn_when_the_holder_moves(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = _book(notified, 1, CLOSED)
    spec = parse_network(closing(local_day(days_ahead=CLOSED)), source="closing.toml")
    late_evening = datetime.combine(local_day(days_ahead=0), time(23), tzinfo=ZONES["bsk"])

    def load_at_night(session: Session) -> int:
        load_network(session, spec)
        rules = context(notified).rules.notify
        return tell_closed_days(
            session, directory=Directory(max_age=0), rules=rules, horizon_days=60, now=late_evening
        )

    assert run_transaction(sessions, load_at_night) == 1
    [notice] = outbox(sessions, kind="office_closed")
    assert notice.due_at == (late_evening + timedelta(hours=9)).astimezone(UTC)  # 08:00

    moved = notified.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(days_ahead=CLOSED + 1)},
        headers={"X-Document-Number": document(1)},
    )

    assert moved.status_code == 200
    remind(notified)
    [notice] = outbox(sessions, kind="office_closed")
    assert notice.status == "withdrawn"
    assert kinds(outbox(sessions, status="queued")) == [
        ("confirmed", "sms"),
        ("moved", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]
