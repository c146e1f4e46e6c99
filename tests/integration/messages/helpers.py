"""Shortcuts for the message tests: the outbox as rows, the reminders' pass as time goes
by, and a booking with an e-mail address.

The tests read ``notify_outbox`` directly: what a booking event must leave there is the whole
contract between the booking and the relay, so no relay runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.admin.service import load_network_file
from kezek.booking.models import Booking, BookingStatus
from kezek.booking.reminders import LOOKAHEAD
from kezek.booking.service import write_reminders
from kezek.context import AppContext
from kezek.network.file import parse_network
from kezek.notify.models import OutboxMessage
from kezek.types import utcnow
from tests.factories import NETWORK_TOML, ZONES, booking_body, local_day, start_at

# A public address of exactly 40 characters, as long as the SMS texts are budgeted for.
PUBLIC_URL = "https://bookings.consulate-kg.example.kg"
assert len(PUBLIC_URL) == 40


@dataclass(frozen=True)
class Row:
    key: str
    kind: str
    channel: str
    address: str
    language: str
    status: str
    due_at: datetime
    subject_line: str
    body: str
    calendar: str | None


def outbox(sessions: sessionmaker[Session], **where: Any) -> list[Row]:
    """The outbox's rows (those matching ``where``), in the order they were written."""
    with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return [
            Row(
                key=m.key,
                kind=m.kind,
                channel=m.channel,
                address=m.address,
                language=m.language,
                status=m.status,
                due_at=m.due_at.astimezone(UTC),
                subject_line=m.subject_line,
                body=m.body,
                calendar=m.calendar,
            )
            for m in session.scalars(query)
        ]


def remind(client: TestClient, *, until: datetime | None = None) -> int:
    """The reminders' pass, run at each moment a booking's next reminder comes near, up to
    ``until`` (to the last one by default): what the relays will have written by then.
    How many messages it wrote."""
    found = context(client)
    at = utcnow()
    written = 0
    while True:
        written += write_reminders(found, now=at)
        with found.sessions() as session:
            next_due = session.scalar(
                select(func.min(Booking.remind_at)).where(
                    Booking.status == BookingStatus.confirmed.value,
                    Booking.remind_at > at + LOOKAHEAD,
                )
            )
        if next_due is None or (until is not None and next_due > until):
            return written
        at = next_due - LOOKAHEAD


def kinds(rows: list[Row], *, status: str | None = None) -> list[tuple[str, str]]:
    """(kind, channel) of the rows, sorted, of one status if given."""
    return sorted((r.kind, r.channel) for r in rows if status is None or r.status == status)


def local(hour: int, minute: int = 0, *, office: str = "bsk", days_ahead: int) -> datetime:
    """A wall-clock time in the office's zone, as UTC."""
    day = local_day(office, days_ahead=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=ZONES[office]).astimezone(UTC)


def context(client: TestClient) -> AppContext:
    found: AppContext = client.app.state.context  # type: ignore[attr-defined]
    return found


def book_with_email(client: TestClient, email: str, **overrides: Any) -> dict[str, Any]:
    """A booking through the API that asks for e-mail besides the SMS; its public view."""
    response = client.post("/api/v1/bookings", json=booking_body(email=email, **overrides))
    assert response.status_code == 201, response.text
    booked: dict[str, Any] = response.json()
    return booked


def every_event(
    client: TestClient, sessions: sessionmaker[Session], *, document_number: str, language: str
) -> None:
    """Every kind of message a booking sends, on SMS and e-mail: one booking confirmed,
    reminded, moved and cancelled; another on a day the office then closes."""
    holder = {"X-Document-Number": document_number}
    first = book_with_email(
        client,
        "aibek@example.kg",
        document_number=document_number,
        start=start_at(days_ahead=2),
        language=language,
    )["reference"]
    book_with_email(
        client,
        "aibek@example.kg",
        document_number=document_number,
        service="other",
        start=start_at(days_ahead=4),
        language=language,
    )
    remind(client)
    moved = client.post(
        f"/api/v1/bookings/{first}/reschedule",
        json={"start": start_at(days_ahead=3)},
        headers=holder,
    )
    cancelled = client.post(f"/api/v1/bookings/{first}/cancel", headers=holder)
    assert (moved.status_code, cancelled.status_code) == (200, 200)
    load_network_file(
        sessions,
        parse_network(closing(local_day(days_ahead=4)), source="closing.toml"),
        notify=context(client).rules.notify,
    )


def closing(day: date, office: str = "bsk") -> str:
    """The test network with ``office`` closed on ``day``."""
    closure = f'[[offices.closures]]\ndate = {day.isoformat()}\nreason = "Works"\n\n'
    # Each office's section ends where the next begins: the closure goes at its end.
    marks = {"bsk": "# Five windows", "big": "# Two pools"}
    mark = marks[office]
    return NETWORK_TOML.replace(mark, closure + mark)
