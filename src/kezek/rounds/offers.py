"""After the draw: winners' bookings, their confirmation, and the waitlist.

A place won becomes a booking at the first free time of its day, held for the winner until
``confirm_by``. Confirmed in time, it is theirs; otherwise it is cancelled and the place goes
on. Places freed so (and by cancellations) go to the waitlist in the draw's order: each
person waiting in turn is offered their best choice that has a free place, never first come,
first served. A booking from a draw keeps its name and document and may move once.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kezek.allocation.draw import Bucket
from kezek.booking import notices
from kezek.booking.cells import booked_counts, take_cells
from kezek.booking.create import save_citizen
from kezek.booking.details import booking_details
from kezek.booking.manage import give_up
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.booking.reference import new_reference, normalize_reference
from kezek.booking.rules import BookingRules, SlotFull
from kezek.booking.slots import cells_between, service_slots
from kezek.db import violated_constraint
from kezek.errors import Conflict, NotFound, Problem
from kezek.network.directory import Directory
from kezek.network.models import DrawRound
from kezek.network.plan import CellKey
from kezek.notify.outbox import enqueue
from kezek.rounds import messages
from kezek.rounds.models import DrawApplication, Standing
from kezek.rounds.places import free_places, supply_of

# However late a place is offered, its winner has at least this long to confirm.
SHORTEST_CONFIRM = timedelta(minutes=30)


class ConfirmTooLate(Conflict):
    code = "confirm_too_late"
    title = "The time to confirm has passed"


@dataclass(frozen=True)
class Offering:
    directory: Directory
    rules: BookingRules
    row: DrawRound
    now: datetime


def buckets_of(application: DrawApplication) -> list[Bucket]:
    """The application's days, best choice first."""
    return [
        Bucket(choice["office"], choice["service"], date.fromisoformat(day))
        for choice in application.choices
        for day in choice["days"]
    ]


def offer(
    session: Session, at: Offering, application: DrawApplication, buckets: Sequence[Bucket]
) -> Bucket | None:
    """Book the first of ``buckets`` with a free time for the applicant and tell them; the
    bucket, or None when none has one or they already hold a booking of the service."""
    for bucket in buckets:
        booking = _book_first_free(session, at, application, bucket)
        if booking is None:
            continue
        details = booking_details(session, at.directory, booking, _citizen(session, booking))
        confirm_by = min(
            at.now + timedelta(hours=at.row.confirm_hours), booking.starts_at - timedelta(hours=1)
        )
        confirm_by = max(confirm_by, at.now + SHORTEST_CONFIRM)
        application.standing = Standing.offered
        application.booking_id = booking.id
        application.confirm_by = confirm_by
        application.updated_at = at.now
        notify = at.rules.notify
        booking.remind_at = notices.first_reminder_at(details, notify, changed_at=at.now)
        said = messages.offered(
            details, code=at.row.code, confirm_by=confirm_by, rules=notify, now=at.now
        )
        enqueue(session.connection(), said, now=at.now)
        return bucket
    return None


def _citizen(session: Session, booking: Booking) -> Citizen:
    citizen = session.get(Citizen, booking.citizen_id)
    assert citizen is not None
    return citizen


def _book_first_free(
    session: Session, at: Offering, application: DrawApplication, bucket: Bucket
) -> Booking | None:
    try:
        office = at.directory.office(session, bucket.office)
        service = office.service(bucket.service)
    except Problem:  # the office closed, or stopped the service, since the round began
        return None
    plan = office.plan
    capacity = cells_between(plan, bucket.day, bucket.day)
    if not capacity:
        return None
    starts = [cell.starts_at for cell in capacity]
    booked = booked_counts(
        session,
        office_id=office.id,
        pools=plan.pools_for(service.code),
        first=min(starts),
        last=max(starts),
    )
    opens = at.now + at.rules.min_notice
    for slot in service_slots(
        plan,
        service=service.code,
        duration_minutes=service.duration_minutes,
        cells=capacity,
        booked=booked,
    ):
        if slot.available <= 0 or slot.starts_at < opens:
            continue
        savepoint = session.begin_nested()
        try:
            pool, count = take_cells(
                session, office=office, service=service, starts_at=slot.starts_at
            )
            citizen_id = _save_citizen(session, application, at.now)
            booking = Booking(
                reference=new_reference(),
                office_id=office.id,
                service_id=service.id,
                citizen_id=citizen_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                pool=pool,
                cells=count,
                cell_minutes=plan.slot_minutes,
                status=BookingStatus.confirmed,
                language=application.language,
                created_at=at.now,
                updated_at=at.now,
                round_code=at.row.code,
                moves_left=1,
            )
            session.add(booking)
            session.flush()
        except SlotFull:
            savepoint.rollback()
            continue
        except IntegrityError as exc:
            savepoint.rollback()
            if violated_constraint(exc) == "uq_booking_one_active":
                return None  # they hold a booking of this service already
            raise
        savepoint.commit()
        return booking
    return None


def _save_citizen(session: Session, application: DrawApplication, now: datetime) -> int:
    return save_citizen(
        session,
        {
            "document_hash": application.document_hash,
            "document_tail": application.document_tail,
            "created_at": now,
            "full_name": application.full_name,
            "phone": application.phone,
            "language": application.language,
            "legal_stay_until": application.legal_stay_until,
            "updated_at": now,
        },
    )


@dataclass(frozen=True)
class FollowedUp:
    lapsed: int = 0  # offers not confirmed in time, given up
    cancelled: int = 0  # draw bookings their holders cancelled
    offered: int = 0  # places offered to the waitlist


def follow_up(session: Session, at: Offering) -> FollowedUp:
    """Give up unconfirmed offers, note cancellations, and offer what is free to the
    waitlist. The caller holds the round's row locked: one pass at a time per round."""
    lapsed = _lapse_unconfirmed(session, at)
    cancelled = _note_cancellations(session, at)
    offered = fill_from_waitlist(session, at)
    return FollowedUp(lapsed, cancelled, offered)


def _lapse_unconfirmed(session: Session, at: Offering) -> int:
    due = session.scalars(
        select(DrawApplication)
        .where(
            DrawApplication.round_id == at.row.id,
            DrawApplication.standing == Standing.offered,
            DrawApplication.confirm_by <= at.now,
        )
        .order_by(DrawApplication.position)
        # Locked, and read afresh: a confirmation committed meanwhile is seen, not undone.
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    due = [application for application in due if application.standing == Standing.offered]
    for application in due:
        assert application.booking_id is not None and application.confirm_by is not None
        booking = session.get(Booking, application.booking_id)
        assert booking is not None
        if give_up(session, booking_id=booking.id, now=at.now):
            details = booking_details(session, at.directory, booking, _citizen(session, booking))
            said = messages.lapsed(
                details, confirm_by=application.confirm_by, rules=at.rules.notify, now=at.now
            )
            enqueue(session.connection(), said, now=at.now)
        application.standing = Standing.lapsed
        application.updated_at = at.now
    return len(due)


def _note_cancellations(session: Session, at: Offering) -> int:
    gone = session.scalars(
        select(DrawApplication)
        .join(Booking, Booking.id == DrawApplication.booking_id)
        .where(
            DrawApplication.round_id == at.row.id,
            DrawApplication.standing.in_([Standing.offered, Standing.confirmed]),
            Booking.status == BookingStatus.cancelled,
        )
    ).all()
    for application in gone:
        application.standing = Standing.cancelled
        application.updated_at = at.now
    return len(gone)


def fill_from_waitlist(session: Session, at: Offering) -> int:
    """Offer the free places of the round's days still to come, in the draw's order."""
    free = _free_buckets(session, at)
    if not any(free.values()):
        return 0
    waiting = session.scalars(
        select(DrawApplication)
        .where(DrawApplication.round_id == at.row.id, DrawApplication.standing == Standing.waiting)
        .order_by(DrawApplication.position)
    )
    offered = 0
    for application in waiting:
        wanted = [b for b in buckets_of(application) if free.get(b, 0) > 0]
        taken = offer(session, at, application, wanted) if wanted else None
        if taken is not None:
            offered += 1
            free[taken] -= 1
        if not any(count > 0 for count in free.values()):
            break
    return offered


def _free_buckets(session: Session, at: Offering) -> dict[Bucket, int]:
    opens = at.now + at.rules.min_notice
    free: dict[Bucket, int] = {}
    pairs = {(b.office, b.service) for b in supply_of(at.row)}
    taken: dict[str, Counter[CellKey]] = {}  # per office: services sharing windows share cells
    for office_code, service in sorted(pairs):
        try:
            office = at.directory.office(session, office_code)
        except Problem:  # closed since: nothing to offer there
            continue
        first = max(at.row.first_day, opens.astimezone(office.zone).date())
        if first > at.row.last_day:
            continue
        found = free_places(
            session,
            office,
            service,
            first=first,
            last=at.row.last_day,
            opens=opens,
            taken=taken.setdefault(office_code, Counter()),
        )
        for day, count in found.items():
            free[Bucket(office_code, service, day)] = count
    return free


def confirm(session: Session, *, reference: str, proof: str, now: datetime) -> DrawApplication:
    """The winner keeps the place: idempotent, and refused once the time has passed."""
    not_found = NotFound(
        "No place from a draw has this reference and document number. Check both.",
        field="reference",
    )
    try:
        code = normalize_reference(reference)
    except ValueError:
        raise not_found from None
    application = session.scalar(
        select(DrawApplication)
        .join(Booking, Booking.id == DrawApplication.booking_id)
        .where(Booking.reference == code)
        .with_for_update()
    )
    if application is None or not hmac.compare_digest(application.document_hash, proof):
        raise not_found
    booking = session.get(Booking, application.booking_id)
    if booking is None or booking.status != BookingStatus.confirmed:
        raise ConfirmTooLate(
            "This place was cancelled, so it can no longer be confirmed.", field="reference"
        )
    if application.standing == Standing.confirmed:
        return application
    if application.standing != Standing.offered or (
        application.confirm_by is not None and application.confirm_by <= now
    ):
        raise ConfirmTooLate(
            "The time to confirm this place has passed, and it went to the next person on "
            "the waitlist.",
            field="reference",
        )
    application.standing = Standing.confirmed
    application.updated_at = now
    return application
