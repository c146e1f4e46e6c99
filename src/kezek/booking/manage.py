"""Looking up, cancelling and moving a booking: each needs its reference and a proof.

The proof is the keyed hash of the document number (``document_hash``), as stored: the
API computes it from the number a citizen types, and the web pages carry it, signed, from
one step to the next, so the number itself is asked for once and never travels again.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.booking import cells as slot_cells
from kezek.booking import notices
from kezek.booking.cells import cells_of, take_cells
from kezek.booking.details import BookingDetails, booking_details
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.booking.reference import normalize_reference
from kezek.booking.rules import (
    BookingRules,
    NoMovesLeft,
    NotActive,
    check_bookable_time,
    check_not_drawn,
)
from kezek.errors import NotFound
from kezek.network.directory import Directory
from kezek.notify.outbox import withdraw
from kezek.notify.rules import NotifyRules
from kezek.types import utcnow


def owned_booking(
    session: Session, *, reference: str, proof: str, lock: bool
) -> tuple[Booking, Citizen]:
    not_found = NotFound(
        "No booking has this reference and document number. Check both and try again.",
        field="reference",
    )
    try:
        code = normalize_reference(reference)
    except ValueError:
        raise not_found from None
    query = select(Booking).where(Booking.reference == code)
    if lock:
        query = query.with_for_update()
    booking = session.scalar(query)
    if booking is None:
        raise not_found
    citizen = session.get(Citizen, booking.citizen_id)
    assert citizen is not None
    if not hmac.compare_digest(citizen.document_hash, proof):
        raise not_found
    return booking, citizen


def find_booking(
    session: Session,
    *,
    directory: Directory,
    reference: str,
    proof: str,
) -> BookingDetails:
    booking, citizen = owned_booking(session, reference=reference, proof=proof, lock=False)
    return booking_details(session, directory, booking, citizen)


def _check_active(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.confirmed:
        raise NotActive(f"This booking is {booking.status} and can no longer be changed.")
    if booking.starts_at <= now:
        raise NotActive("This booking's time has passed; it can no longer be changed.")


def cancel_booking(
    session: Session,
    *,
    directory: Directory,
    reference: str,
    proof: str,
    notify: NotifyRules,
) -> BookingDetails:
    booking, citizen = owned_booking(session, reference=reference, proof=proof, lock=True)
    now = utcnow()
    _check_active(booking, now)
    slot_cells.apply_changes(
        session,
        office_id=booking.office_id,
        changes=dict.fromkeys(cells_of(booking), -1),
        capacity={},
    )
    booking.status = BookingStatus.cancelled
    booking.updated_at = now
    booking.calendar_sequence += 1
    booking.remind_at = None
    session.flush()
    details = booking_details(session, directory, booking, citizen)
    notices.tell(session.connection(), details, "cancelled", rules=notify, now=now)
    return details


def give_up(session: Session, *, booking_id: int, now: datetime) -> bool:
    """Cancel a booking whose holder did not keep it (a draw's place not confirmed in
    time): its cells are freed and its reminders withdrawn; the caller tells the holder.
    False if it was no longer active."""
    booking = session.scalar(select(Booking).where(Booking.id == booking_id).with_for_update())
    if booking is None or booking.status != BookingStatus.confirmed or booking.starts_at <= now:
        return False
    slot_cells.apply_changes(
        session,
        office_id=booking.office_id,
        changes=dict.fromkeys(cells_of(booking), -1),
        capacity={},
    )
    booking.status = BookingStatus.cancelled
    booking.updated_at = now
    booking.calendar_sequence += 1
    booking.remind_at = None
    session.flush()
    withdraw(session.connection(), subject=notices.subject_of(booking.reference))
    return True


def reschedule_booking(
    session: Session,
    *,
    directory: Directory,
    reference: str,
    proof: str,
    starts_at: datetime,
    rules: BookingRules,
) -> BookingDetails:
    """Move a booking. The old place is given up only in the transaction that takes the new one."""
    booking, citizen = owned_booking(session, reference=reference, proof=proof, lock=True)
    now = utcnow()
    _check_active(booking, now)
    office = directory.office_by_id(session, booking.office_id)
    service = directory.service_by_id(session, booking.service_id)
    check_bookable_time(office.plan, starts_at=starts_at, now=now, rules=rules)
    if booking.moves_left is not None and booking.moves_left <= 0:
        raise NoMovesLeft(
            "A booking from a draw can be moved once, and this one was moved already. "
            "Cancel it if you cannot come: the place goes to the next person on the waitlist."
        )
    check_not_drawn(office, service=service.code, starts_at=starts_at, allowed=booking.round_code)
    pool, count = take_cells(
        session,
        office=office,
        service=service,
        starts_at=starts_at,
        releasing=cells_of(booking),
    )
    booking.starts_at = starts_at
    booking.ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    booking.pool = pool
    booking.cells = count
    booking.cell_minutes = office.plan.slot_minutes
    booking.updated_at = now
    booking.calendar_sequence += 1
    if booking.moves_left is not None:
        booking.moves_left -= 1
    details = booking_details(session, directory, booking, citizen)
    booking.remind_at = notices.first_reminder_at(details, rules.notify, changed_at=now)
    session.flush()
    notices.tell(session.connection(), details, "moved", rules=rules.notify, now=now)
    return details


def holder_bookings(
    session: Session, *, directory: Directory, proof: str, phones: set[str], now: datetime
) -> list[BookingDetails]:
    """The active bookings of the holder of a document, if the phone is theirs too.

    For a citizen who lost the reference. A wrong phone finds nothing, exactly like an
    unknown document, so the pair cannot be told apart from a document without bookings.
    """
    citizen = session.scalar(select(Citizen).where(Citizen.document_hash == proof))
    if citizen is None or not any(hmac.compare_digest(citizen.phone, p) for p in phones):
        return []
    bookings = session.scalars(
        select(Booking)
        .where(
            Booking.citizen_id == citizen.id,
            Booking.status == BookingStatus.confirmed,
            Booking.starts_at > now,
        )
        .order_by(Booking.starts_at)
    )
    return [booking_details(session, directory, booking, citizen) for booking in bookings]
