"""Book, look up, cancel and reschedule, each in one database transaction."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from kezek.booking import cells as slot_cells
from kezek.booking.identity import document_hash, document_tail, normalize_phone
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.booking.reference import new_reference, normalize_reference
from kezek.booking.slots import CellKey, OfficePlan, Slot, day_cells, held_cells, service_slots
from kezek.booking.slots import cells_between as plan_cells_between
from kezek.db import dialect_insert, run_transaction
from kezek.network.models import Office, Service
from kezek.network.service import get_offered_service, get_office, office_plan
from kezek.problems import Conflict, Invalid, NotFound
from kezek.types import utcnow

REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class BookingRules:
    horizon_days: int
    min_notice: timedelta
    max_range_days: int


@dataclass(frozen=True)
class BookingRequest:
    office: str
    service: str
    starts_at: datetime
    document_number: str  # already normalised
    full_name: str  # already normalised
    phone: str  # as typed; read in the office's country
    language: str
    legal_stay_until: date | None = None

    def fingerprint(self, secret: bytes) -> str:
        """Keyed, because a plain hash of a document number could be reversed by guessing."""
        canonical = json.dumps(
            [self.office, self.service, self.starts_at.isoformat(), self.document_number],
        )
        return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Booked:
    booking: Booking
    replayed: bool


class SlotFull(Conflict):
    code = "slot_full"
    title = "This time is fully booked"


class AlreadyBooked(Conflict):
    code = "already_booked"
    title = "You already have a booking for this service"


class NotActive(Conflict):
    code = "booking_not_active"
    title = "This booking is no longer active"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "The Idempotency-Key was used for a different request"


class SlotRefused(Invalid):
    code = "slot_not_bookable"


def book(
    sessions: sessionmaker[Session],
    *,
    request: BookingRequest,
    rules: BookingRules,
    secret: bytes,
    idempotency_key: str | None = None,
) -> Booked:
    fingerprint = request.fingerprint(secret)
    for _ in range(REFERENCE_ATTEMPTS):
        try:
            return run_transaction(
                sessions,
                lambda session: _book(
                    session,
                    request=request,
                    rules=rules,
                    secret=secret,
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                ),
            )
        except IntegrityError as exc:
            reason = str(exc.orig)
            if idempotency_key and "idempotency_key" in reason:
                # A concurrent retry with the same key won the race: answer with its booking.
                return run_transaction(
                    sessions,
                    partial(_replay_winner, key=idempotency_key, fingerprint=fingerprint),
                )
            if "one_active" in reason or "citizen_id" in reason:
                raise _already_booked() from None
            if "reference" not in reason:
                raise
    raise RuntimeError("could not draw an unused booking reference")


def _book(
    session: Session,
    *,
    request: BookingRequest,
    rules: BookingRules,
    secret: bytes,
    idempotency_key: str | None,
    fingerprint: str,
) -> Booked:
    if idempotency_key:
        replayed = _replay(session, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    now = utcnow()
    office = get_office(session, request.office)
    service = get_offered_service(office, request.service)
    try:
        phone = normalize_phone(request.phone, region=office.country)
    except ValueError as exc:
        raise Invalid(f"phone {exc}", field="phone") from None
    plan = office_plan(office)
    check_bookable_time(plan, starts_at=request.starts_at, now=now, rules=rules)
    citizen_id = _upsert_citizen(session, request=request, phone=phone, secret=secret, now=now)
    if idempotency_key:
        # The upsert waited for any concurrent request of the same citizen to commit, so a
        # retry that raced its original sees the original's booking here.
        replayed = _replay(session, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    _lapse_past_bookings(session, citizen_id=citizen_id, service_id=service.id, now=now)
    if session.scalar(
        select(Booking.id).where(
            Booking.citizen_id == citizen_id,
            Booking.service_id == service.id,
            Booking.status == BookingStatus.confirmed,
        )
    ):
        raise _already_booked()
    pool, count = _take_cells(
        session, office=office, plan=plan, service=service, starts_at=request.starts_at
    )
    booking = Booking(
        reference=new_reference(),
        office_id=office.id,
        service_id=service.id,
        citizen_id=citizen_id,
        starts_at=request.starts_at,
        ends_at=request.starts_at + timedelta(minutes=service.duration_minutes),
        pool=pool,
        cells=count,
        status=BookingStatus.confirmed,
        language=request.language,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint if idempotency_key else None,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    return Booked(_with_details(session, booking.id), replayed=False)


def _replay(session: Session, key: str, fingerprint: str) -> Booked | None:
    booking = session.scalar(select(Booking).where(Booking.idempotency_key == key))
    if booking is None:
        return None
    if not hmac.compare_digest(booking.request_fingerprint or "", fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for another booking request. "
            "Use a new key for a new request.",
            field="Idempotency-Key",
        )
    return Booked(_with_details(session, booking.id), replayed=True)


def _replay_winner(session: Session, *, key: str, fingerprint: str) -> Booked:
    replayed = _replay(session, key, fingerprint)
    assert replayed is not None, "the unique key was taken, so its booking exists"
    return replayed


def _already_booked() -> AlreadyBooked:
    return AlreadyBooked(
        "This document already has an active booking for this service. "
        "Reschedule or cancel it with its reference instead of booking again.",
        field="document_number",
    )


def check_bookable_time(
    plan: OfficePlan, *, starts_at: datetime, now: datetime, rules: BookingRules
) -> None:
    if starts_at <= now:
        raise SlotRefused("This time is in the past. Choose a later time.", field="start")
    if starts_at < now + rules.min_notice:
        minutes = int(rules.min_notice.total_seconds() // 60)
        raise SlotRefused(
            f"Bookings close {minutes} minutes before the time. Choose a later time.",
            field="start",
        )
    today = now.astimezone(plan.timezone).date()
    last_day = today + timedelta(days=rules.horizon_days)
    if starts_at.astimezone(plan.timezone).date() > last_day:
        raise SlotRefused(
            f"Bookings open {rules.horizon_days} days ahead; "
            f"choose a date up to {last_day.isoformat()}.",
            field="start",
        )


def _upsert_citizen(
    session: Session, *, request: BookingRequest, phone: str, secret: bytes, now: datetime
) -> int:
    details = {
        "full_name": request.full_name,
        "phone": phone,
        "language": request.language,
        "legal_stay_until": request.legal_stay_until,
        "updated_at": now,
    }
    insert = dialect_insert(session, Citizen).values(
        document_hash=document_hash(request.document_number, secret=secret),
        document_tail=document_tail(request.document_number),
        created_at=now,
        **details,
    )
    statement = insert.on_conflict_do_update(
        index_elements=[Citizen.document_hash],
        set_={name: getattr(insert.excluded, name) for name in details},
    ).returning(Citizen.id)
    citizen_id: int = session.execute(statement).scalar_one()
    return citizen_id


def _lapse_past_bookings(
    session: Session, *, citizen_id: int, service_id: int, now: datetime
) -> None:
    session.execute(
        update(Booking)
        .where(
            Booking.citizen_id == citizen_id,
            Booking.service_id == service_id,
            Booking.status == BookingStatus.confirmed,
            Booking.ends_at < now,
        )
        .values(status=BookingStatus.lapsed, updated_at=now)
    )


def _candidate_spans(
    session: Session, *, office: Office, plan: OfficePlan, service: Service, starts_at: datetime
) -> tuple[list[list[CellKey]], dict[CellKey, int]]:
    """Pools in which the service can start at ``starts_at``, the emptiest first."""
    count = plan.cells_needed(service.duration_minutes)
    local_day = starts_at.astimezone(plan.timezone).date()
    capacity = day_cells(plan, local_day)
    spans = [
        held_cells(plan, pool=pool, starts_at=starts_at, count=count)
        for pool in plan.pools_for(service.code)
    ]
    spans = [span for span in spans if all(cell in capacity for cell in span)]
    if not spans:
        raise SlotRefused(
            "No appointment starts at this time. Choose a time from the office's availability.",
            field="start",
        )
    booked = slot_cells.booked_counts(
        session,
        office_id=office.id,
        pools=[span[0].pool for span in spans],
        first=starts_at,
        last=spans[0][-1].starts_at,
    )
    spans.sort(key=lambda span: -min(capacity[c] - booked.get(c, 0) for c in span))
    return spans, capacity


def _take_cells(
    session: Session,
    *,
    office: Office,
    plan: OfficePlan,
    service: Service,
    starts_at: datetime,
    releasing: Sequence[CellKey] = (),
) -> tuple[str, int]:
    spans, capacity = _candidate_spans(
        session, office=office, plan=plan, service=service, starts_at=starts_at
    )
    for number, span in enumerate(spans, start=1):
        changes = dict.fromkeys(span, 1)
        for cell in releasing:
            changes[cell] = changes.get(cell, 0) - 1
        changes = {cell: delta for cell, delta in changes.items() if delta}
        if number == len(spans):
            # The last candidate needs no savepoint: failing it rolls back the transaction.
            if slot_cells.apply_changes(
                session, office_id=office.id, changes=changes, capacity=capacity
            ):
                return span[0].pool, len(span)
            break
        savepoint = session.begin_nested()
        if slot_cells.apply_changes(
            session, office_id=office.id, changes=changes, capacity=capacity
        ):
            savepoint.commit()
            return span[0].pool, len(span)
        savepoint.rollback()
    raise SlotFull(
        "Someone has just taken the last place at this time. Choose another time.",
        field="start",
    )


def _with_details(session: Session, booking_id: int) -> Booking:
    booking = session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            joinedload(Booking.office), joinedload(Booking.service), joinedload(Booking.citizen)
        )
        .execution_options(populate_existing=True)
    )
    assert booking is not None
    return booking


def _owned_booking(
    session: Session, *, reference: str, document_number: str, secret: bytes, lock: bool
) -> Booking:
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
    if not hmac.compare_digest(
        citizen.document_hash, document_hash(document_number, secret=secret)
    ):
        raise not_found
    return _with_details(session, booking.id)


def find_booking(
    session: Session, *, reference: str, document_number: str, secret: bytes
) -> Booking:
    return _owned_booking(
        session, reference=reference, document_number=document_number, secret=secret, lock=False
    )


def _active(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.confirmed:
        raise NotActive(f"This booking is {booking.status} and can no longer be changed.")
    if booking.starts_at <= now:
        raise NotActive("This booking's time has passed; it can no longer be changed.")


def cancel_booking(
    session: Session, *, reference: str, document_number: str, secret: bytes
) -> Booking:
    booking = _owned_booking(
        session, reference=reference, document_number=document_number, secret=secret, lock=True
    )
    now = utcnow()
    _active(booking, now)
    plan = office_plan(booking.office)
    slot_cells.apply_changes(
        session,
        office_id=booking.office_id,
        changes=dict.fromkeys(_cells_of(plan, booking), -1),
        capacity={},
    )
    booking.status = BookingStatus.cancelled
    booking.updated_at = now
    session.flush()
    return booking


def reschedule_booking(
    session: Session,
    *,
    reference: str,
    document_number: str,
    starts_at: datetime,
    secret: bytes,
    rules: BookingRules,
) -> Booking:
    """Move a booking. The old place is given up only in the transaction that takes the new one."""
    booking = _owned_booking(
        session, reference=reference, document_number=document_number, secret=secret, lock=True
    )
    now = utcnow()
    _active(booking, now)
    plan = office_plan(booking.office)
    check_bookable_time(plan, starts_at=starts_at, now=now, rules=rules)
    pool, count = _take_cells(
        session,
        office=booking.office,
        plan=plan,
        service=booking.service,
        starts_at=starts_at,
        releasing=_cells_of(plan, booking),
    )
    booking.starts_at = starts_at
    booking.ends_at = starts_at + timedelta(minutes=booking.service.duration_minutes)
    booking.pool = pool
    booking.cells = count
    booking.updated_at = now
    session.flush()
    return booking


def _cells_of(plan: OfficePlan, booking: Booking) -> list[CellKey]:
    return held_cells(plan, pool=booking.pool, starts_at=booking.starts_at, count=booking.cells)


def availability(
    session: Session,
    *,
    office_code: str,
    service_code: str,
    first: date,
    last: date,
    rules: BookingRules,
) -> tuple[Office, Service, list[Slot]]:
    office = get_office(session, office_code)
    service = get_offered_service(office, service_code)
    plan = office_plan(office)
    now = utcnow()
    today = now.astimezone(plan.timezone).date()
    if last < first:
        raise Invalid("'to' is before 'from'; swap them.", field="to")
    if (last - first).days >= rules.max_range_days:
        raise Invalid(f"Ask for at most {rules.max_range_days} days at a time.", field="to")
    first = max(first, today)
    last = min(last, today + timedelta(days=rules.horizon_days))
    if last < first:
        return office, service, []
    capacity = plan_cells_between(plan, first, last)
    pools = plan.pools_for(service.code)
    if not capacity:
        return office, service, []
    starts = [cell.starts_at for cell in capacity]
    booked = slot_cells.booked_counts(
        session, office_id=office.id, pools=pools, first=min(starts), last=max(starts)
    )
    slots = service_slots(
        plan,
        service=service.code,
        duration_minutes=service.duration_minutes,
        cells=capacity,
        booked=booked,
    )
    opens = now + rules.min_notice
    return office, service, [slot for slot in slots if slot.starts_at >= opens]
