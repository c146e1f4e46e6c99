"""The reminders' pass: bookings' reminders written to the outbox when they are nearly due.

A booking writes only its confirmation and records when its first reminder is due
(``Booking.remind_at``). Every relay runs this pass before it claims messages: it writes the
reminders due within ``LOOKAHEAD`` for the channels the holder has by then (a Telegram chat
linked after booking included), and moves ``remind_at`` on to the next one. Writing them
then, not with the booking, keeps a booking rush to one message per booking.

Any number of passes may run at once: on PostgreSQL each claims its bookings with ``SKIP
LOCKED``, and a reminder's key names the booking's last change, so a pass repeated (two
relays, a relay killed between writing and committing) writes each reminder once. A move
or a cancellation locks the booking too, so it waits for a pass that holds it, then
withdraws what the pass wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.booking import notices
from kezek.booking.details import BookingDetails, booking_details
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.db import is_postgresql
from kezek.network.directory import Directory
from kezek.network.models import Office
from kezek.notify.models import MessageStatus
from kezek.notify.outbox import OUTBOX, Address, contacts, enqueue
from kezek.notify.rules import NotifyRules

# How early a reminder is written before it is due: the relays' slack.
LOOKAHEAD = timedelta(minutes=10)
# The day-before reminder is due at most two days before the visit (at 00:00 the day before,
# and a day of 25 hours when the clocks go back): bookings further ahead have nothing due
# yet, and the pass reads no further.
FURTHEST = timedelta(days=2, hours=2)
BATCH = 500
# Longer than any process keeps its copy of the network (KEZEK_NETWORK_REFRESH_SECONDS).
NETWORK_COPY_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class Pass:
    bookings: int  # bookings whose reminders came due
    written: int  # messages written


def write_due_reminders(
    session: Session,
    *,
    directory: Directory,
    rules: NotifyRules,
    now: datetime,
    batch: int = BATCH,
) -> Pass:
    """Write the reminders due by ``now + LOOKAHEAD`` of at most ``batch`` bookings."""
    until = now + LOOKAHEAD
    query = (
        select(Booking, Citizen)
        .join(Citizen, Citizen.id == Booking.citizen_id)
        .where(
            # The office and the start first, as the booking's index reads them; offices
            # no longer in the network file included, since their bookings still stand.
            Booking.office_id.in_(select(Office.id)),
            Booking.starts_at > now,
            Booking.starts_at <= until + FURTHEST,
            Booking.remind_at <= until,
            Booking.status == BookingStatus.confirmed.value,
        )
        .order_by(Booking.remind_at)
        .limit(batch)
    )
    if is_postgresql(session):
        query = query.with_for_update(of=Booking, skip_locked=True)
    written = 0
    rows = session.execute(query).all()
    for booking, citizen in rows:
        details = booking_details(session, directory, booking, citizen)
        booking.remind_at, count = _write(session, details, booking, rules=rules, now=now)
        written += count
    return Pass(bookings=len(rows), written=written)


def _write(
    session: Session,
    details: BookingDetails,
    booking: Booking,
    *,
    rules: NotifyRules,
    now: datetime,
) -> tuple[datetime | None, int]:
    """Write the booking's reminders due by now + LOOKAHEAD; when the next one is due."""
    until = now + LOOKAHEAD
    times = notices.reminder_times(details, rules, changed_at=booking.updated_at)
    due = [
        (kind, at)
        for kind, at in times
        if at <= until and notices.still_true(kind, max(at, now), booking=details)
    ]
    next_due = min((at for _, at in times if at > until), default=None)
    if not due or _closed(session, details, now=now):
        return next_due, 0
    connection = session.connection()
    subject = notices.subject_of(details.reference)
    to = notices.addresses(details, rules, contacts(connection, subject))
    messages = notices.reminders(details, due, to=to, rules=rules, changed_at=booking.updated_at)
    return next_due, enqueue(connection, messages, now=now)


def write_for_new_contact(
    session: Session,
    *,
    directory: Directory,
    reference: str,
    to: Address,
    rules: NotifyRules,
    now: datetime,
) -> int:
    """A channel added after booking (a Telegram chat): the reminders still to come are
    written for it now, under the keys the pass uses, so that neither writes one twice. A
    reminder withdrawn from this address when it stopped following is queued again."""
    found = session.execute(
        select(Booking, Citizen)
        .join(Citizen, Citizen.id == Booking.citizen_id)
        .where(Booking.reference == reference, Booking.status == BookingStatus.confirmed.value)
    ).first()
    if found is None:
        return 0
    booking, citizen = found
    details = booking_details(session, directory, booking, citizen)
    if _closed(session, details, now=now):
        return 0
    times = notices.reminder_times(details, rules, changed_at=booking.updated_at)
    to_come = [(kind, at) for kind, at in times if at > now]
    messages = notices.reminders(
        details, to_come, to=[to], rules=rules, changed_at=booking.updated_at
    )
    return enqueue(session.connection(), messages, now=now, revive=True)


def _closed(session: Session, details: BookingDetails, *, now: datetime) -> bool:
    """Whether the office is closed on the booked day: no reminder of a visit that cannot be.
    Should the day open again, the reminders still to come are written.

    A closure notice of the last hour counts too: this process's copy of the network may be
    a moment older than the load that closed the day (older ones are in every copy by now,
    and a day opened again since must not stay closed to the reminders).
    """
    visit_day = details.starts_at.astimezone(details.office.zone).date()
    if details.office.plan.calendar.is_closed(visit_day):
        return True
    notice = notices.closure_key(details.reference, visit_day)
    told = session.execute(
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.subject == notices.subject_of(details.reference),
            OUTBOX.c.key.startswith(notice, autoescape=True),
            OUTBOX.c.status != MessageStatus.withdrawn.value,
            OUTBOX.c.created_at > now - NETWORK_COPY_AGE,
        )
        .limit(1)
    ).first()
    return told is not None
