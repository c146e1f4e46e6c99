"""Book, look up, cancel and reschedule, each in one database transaction."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import cells as slot_cells
from kezek.booking.identity import document_hash, document_tail, normalize_phone
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.booking.one_statement import book_in_one_statement
from kezek.booking.reference import new_reference, normalize_reference
from kezek.booking.slots import CellKey, OfficePlan, Slot, cells_between, held_cells, service_slots
from kezek.db import dialect_insert, run_transaction
from kezek.network.directory import Directory, OfficeInfo, ServiceInfo
from kezek.network.models import Service
from kezek.problems import Conflict, Invalid, NotFound
from kezek.types import utcnow

REFERENCE_ATTEMPTS = 5
BOOKING: Table = Booking.__table__  # type: ignore[assignment]
CITIZEN: Table = Citizen.__table__  # type: ignore[assignment]
SERVICE: Table = Service.__table__  # type: ignore[assignment]


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
class BookingDetails:
    """A booking with what a citizen needs to see of it, detached from the session."""

    reference: str
    status: str
    starts_at: datetime
    ends_at: datetime
    language: str
    office: OfficeInfo
    service: ServiceInfo
    full_name: str
    phone: str
    document_tail: str
    legal_stay_until: date | None


@dataclass(frozen=True)
class Booked:
    booking: BookingDetails
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
    directory: Directory,
    request: BookingRequest,
    rules: BookingRules,
    secret: bytes,
    idempotency_key: str | None = None,
) -> Booked:
    fingerprint = request.fingerprint(secret)
    attempt = _Attempt(directory, request, rules, secret, idempotency_key, fingerprint)
    one_statement = sessions.kw["bind"].dialect.name == "postgresql"
    for _ in range(REFERENCE_ATTEMPTS):
        try:
            booked = _book_in_one_statement(sessions, attempt) if one_statement else None
            return booked or run_transaction(sessions, partial(_book, attempt=attempt))
        except IntegrityError as exc:
            reason = str(exc.orig)
            if idempotency_key and "idempotency_key" in reason:
                # A concurrent retry with the same key won the race: answer with its booking.
                replayed = _replay_in_transaction(
                    sessions, directory=directory, key=idempotency_key, fingerprint=fingerprint
                )
                assert replayed is not None, "the key is taken, so its booking exists"
                return replayed
            if "one_active" in reason or "citizen_id" in reason:
                lapse = partial(_lapse_past_bookings, request=request, secret=secret)
                if run_transaction(sessions, lapse):
                    continue  # the booking in the way had passed: try again
                raise _already_booked() from None
            if "reference" not in reason:
                raise
    raise RuntimeError("could not draw an unused booking reference")


@dataclass(frozen=True)
class _Attempt:
    """One booking request with everything both paths need to serve it."""

    directory: Directory
    request: BookingRequest
    rules: BookingRules
    secret: bytes
    idempotency_key: str | None
    fingerprint: str


def _book_in_one_statement(sessions: sessionmaker[Session], attempt: _Attempt) -> Booked | None:
    """The PostgreSQL path for a service of one window pool; None leaves it to ``_book``."""
    directory, request, secret = attempt.directory, attempt.request, attempt.secret
    idempotency_key, fingerprint = attempt.idempotency_key, attempt.fingerprint
    with sessions() as session:
        office = directory.office(session, request.office)
    service = office.service(request.service)
    phone = _phone(request, office)
    now = utcnow()
    replay = partial(
        _replay_in_transaction,
        sessions,
        directory=directory,
        key=idempotency_key,
        fingerprint=fingerprint,
    )
    try:
        check_bookable_time(office.plan, starts_at=request.starts_at, now=now, rules=attempt.rules)
    except SlotRefused:
        # A retry of a booking made in time is still answered after the time has passed.
        if replayed := replay():
            return replayed
        raise
    spans = office.plan.spans(
        service.code, starts_at=request.starts_at, duration_minutes=service.duration_minutes
    )
    if len(spans) != 1:
        return None
    reference = book_in_one_statement(
        sessions.kw["bind"],
        office=office,
        service=service,
        span=spans[0],
        citizen={
            "document_number": request.document_number,
            "full_name": request.full_name,
            "phone": phone,
            "language": request.language,
            "legal_stay_until": request.legal_stay_until,
        },
        starts_at=request.starts_at,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        secret=secret,
        now=now,
    )
    if reference is None:
        if replayed := replay():
            return replayed
        raise _slot_full()
    details = _new_details(
        request, office=office, service=service, reference=reference, phone=phone
    )
    return Booked(details, replayed=False)


def _book(session: Session, *, attempt: _Attempt) -> Booked:
    """The general path: any number of pools, and SQLite."""
    directory, request, secret = attempt.directory, attempt.request, attempt.secret
    idempotency_key, fingerprint = attempt.idempotency_key, attempt.fingerprint
    office = directory.office(session, request.office)
    service = office.service(request.service)
    phone = _phone(request, office)
    now = utcnow()
    citizen_id = _upsert_citizen(session, request=request, phone=phone, secret=secret, now=now)
    # The upsert waited for any concurrent request of the same citizen to commit, so what
    # follows sees a retry's original and the citizen's other bookings.
    earlier = _earlier_bookings(
        session, citizen_id=citizen_id, service_id=service.id, idempotency_key=idempotency_key
    )
    if idempotency_key and any(row.idempotency_key == idempotency_key for row in earlier):
        replayed = _replay(
            session, directory=directory, key=idempotency_key, fingerprint=fingerprint
        )
        assert replayed is not None
        return replayed
    check_bookable_time(office.plan, starts_at=request.starts_at, now=now, rules=attempt.rules)
    _refuse_a_second_booking(earlier, now=now)
    pool, count = _take_cells(session, office=office, service=service, starts_at=request.starts_at)
    reference = new_reference()
    ends_at = request.starts_at + timedelta(minutes=service.duration_minutes)
    booking = {
        "reference": reference,
        "office_id": office.id,
        "service_id": service.id,
        "citizen_id": citizen_id,
        "starts_at": request.starts_at,
        "ends_at": ends_at,
        "pool": pool,
        "cells": count,
        "status": BookingStatus.confirmed.value,
        "language": request.language,
        "idempotency_key": idempotency_key,
        "request_fingerprint": fingerprint if idempotency_key else None,
        "created_at": now,
        "updated_at": now,
    }
    # Core, not the ORM unit of work: this is the hot path of a booking rush.
    session.connection().execute(insert(BOOKING), booking)
    details = _new_details(
        request, office=office, service=service, reference=reference, phone=phone
    )
    return Booked(details, replayed=False)


def _phone(request: BookingRequest, office: OfficeInfo) -> str:
    try:
        return normalize_phone(request.phone, region=office.country)
    except ValueError as exc:
        raise Invalid(f"phone {exc}", field="phone") from None


def _new_details(
    request: BookingRequest, *, office: OfficeInfo, service: ServiceInfo, reference: str, phone: str
) -> BookingDetails:
    return BookingDetails(
        reference=reference,
        status=BookingStatus.confirmed,
        starts_at=request.starts_at,
        ends_at=request.starts_at + timedelta(minutes=service.duration_minutes),
        language=request.language,
        office=office,
        service=service,
        full_name=request.full_name,
        phone=phone,
        document_tail=document_tail(request.document_number),
        legal_stay_until=request.legal_stay_until,
    )


def _replay_in_transaction(
    sessions: sessionmaker[Session], *, directory: Directory, key: str | None, fingerprint: str
) -> Booked | None:
    if not key:
        return None
    return run_transaction(
        sessions, partial(_replay, directory=directory, key=key, fingerprint=fingerprint)
    )


def _slot_full() -> SlotFull:
    return SlotFull(
        "Someone has just taken the last place at this time. Choose another time.",
        field="start",
    )


def _replay(session: Session, *, directory: Directory, key: str, fingerprint: str) -> Booked | None:
    row = session.execute(
        select(Booking, Citizen)
        .join(Citizen, Citizen.id == Booking.citizen_id)
        .where(Booking.idempotency_key == key)
    ).first()
    if row is None:
        return None
    booking, citizen = row
    if not hmac.compare_digest(booking.request_fingerprint or "", fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for another booking request. "
            "Use a new key for a new request.",
            field="Idempotency-Key",
        )
    return Booked(_details(session, directory, booking, citizen), replayed=True)


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


_CITIZEN_DETAILS = ("full_name", "phone", "language", "legal_stay_until", "updated_at")


def _upsert_citizen(
    session: Session, *, request: BookingRequest, phone: str, secret: bytes, now: datetime
) -> int:
    """The citizen's id; the details given with the newest booking replace older ones."""
    row = {
        "document_hash": document_hash(request.document_number, secret=secret),
        "document_tail": document_tail(request.document_number),
        "created_at": now,
        "full_name": request.full_name,
        "phone": phone,
        "language": request.language,
        "legal_stay_until": request.legal_stay_until,
        "updated_at": now,
    }
    statement = _citizen_statement(session.get_bind().dialect.name)
    citizen_id: int = session.connection().execute(statement, row).scalar_one()
    return citizen_id


@cache
def _citizen_statement(dialect_name: str) -> Any:
    insert = dialect_insert(dialect_name, CITIZEN)
    return insert.on_conflict_do_update(
        index_elements=[CITIZEN.c.document_hash],
        set_={name: getattr(insert.excluded, name) for name in _CITIZEN_DETAILS},
    ).returning(CITIZEN.c.id)


def _earlier_bookings(
    session: Session, *, citizen_id: int, service_id: int, idempotency_key: str | None
) -> list[Row[Any]]:
    """The citizen's active booking of this service, and the booking made with this key."""
    parameters = {
        "citizen_id": citizen_id,
        "service_id": service_id,
        "confirmed": BookingStatus.confirmed.value,
        "key": idempotency_key,
    }
    return list(session.connection().execute(_EARLIER_BOOKINGS, parameters))


_EARLIER_BOOKINGS = select(
    BOOKING.c.id, BOOKING.c.ends_at, BOOKING.c.status, BOOKING.c.idempotency_key
).where(
    (
        (BOOKING.c.citizen_id == bindparam("citizen_id"))
        & (BOOKING.c.service_id == bindparam("service_id"))
        & (BOOKING.c.status == bindparam("confirmed"))
    )
    | (BOOKING.c.idempotency_key == bindparam("key"))
)


def _refuse_a_second_booking(earlier: list[Row[Any]], *, now: datetime) -> None:
    """One active booking per citizen and service.

    The partial unique index enforces the rule; checking first spares a doomed request from
    locking slot cells. A confirmed booking whose time has passed does not count: ``book``
    lapses it when the index objects.
    """
    for row in earlier:
        if row.status == BookingStatus.confirmed and row.ends_at >= now:
            raise _already_booked()


def _lapse_past_bookings(session: Session, *, request: BookingRequest, secret: bytes) -> int:
    """Mark the citizen's passed bookings of the service lapsed; return how many there were."""
    citizen = select(CITIZEN.c.id).where(
        CITIZEN.c.document_hash == document_hash(request.document_number, secret=secret)
    )
    service = select(SERVICE.c.id).where(SERVICE.c.code == request.service)
    now = utcnow()
    result = session.connection().execute(
        update(BOOKING)
        .where(
            BOOKING.c.citizen_id == citizen.scalar_subquery(),
            BOOKING.c.service_id == service.scalar_subquery(),
            BOOKING.c.status == BookingStatus.confirmed.value,
            BOOKING.c.ends_at < now,
        )
        .values(status=BookingStatus.lapsed.value, updated_at=now)
    )
    lapsed: int = result.rowcount
    return lapsed


def _take_cells(
    session: Session,
    *,
    office: OfficeInfo,
    service: ServiceInfo,
    starts_at: datetime,
    releasing: Sequence[CellKey] = (),
) -> tuple[str, int]:
    """Take the cells of one pool for the service at ``starts_at``; return the pool and count.

    With several candidate pools each attempt runs in a savepoint, so that a pool that
    fills half-way leaves nothing behind when the next pool is tried.
    """
    plan = office.plan
    spans = plan.spans(service.code, starts_at=starts_at, duration_minutes=service.duration_minutes)
    if not spans:
        raise SlotRefused(
            "No appointment starts at this time. Choose a time from the office's availability.",
            field="start",
        )
    if len(spans) > 1:
        booked = slot_cells.booked_counts(
            session,
            office_id=office.id,
            pools=[span.pool for span in spans],
            first=starts_at,
            last=spans[0].cells[-1].starts_at,
        )
        spans.sort(key=lambda span: -span.free(booked))
    for number, span in enumerate(spans, start=1):
        changes = dict.fromkeys(span.cells, 1)
        for cell in releasing:
            changes[cell] = changes.get(cell, 0) - 1
        changes = {cell: delta for cell, delta in changes.items() if delta}
        last = number == len(spans)
        savepoint = None if last else session.begin_nested()
        if slot_cells.apply_changes(
            session, office_id=office.id, changes=changes, capacity=span.capacity
        ):
            if savepoint is not None:
                savepoint.commit()
            return span.pool, len(span.cells)
        if savepoint is not None:
            savepoint.rollback()
    # The failed last attempt is rolled back with the transaction by this exception.
    raise _slot_full()


def _details(
    session: Session, directory: Directory, booking: Booking, citizen: Citizen
) -> BookingDetails:
    return BookingDetails(
        reference=booking.reference,
        status=booking.status,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        language=booking.language,
        office=directory.office_by_id(session, booking.office_id),
        service=directory.service_by_id(session, booking.service_id),
        full_name=citizen.full_name,
        phone=citizen.phone,
        document_tail=citizen.document_tail,
        legal_stay_until=citizen.legal_stay_until,
    )


def _owned_booking(
    session: Session, *, reference: str, document_number: str, secret: bytes, lock: bool
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
    if not hmac.compare_digest(
        citizen.document_hash, document_hash(document_number, secret=secret)
    ):
        raise not_found
    return booking, citizen


def find_booking(
    session: Session,
    *,
    directory: Directory,
    reference: str,
    document_number: str,
    secret: bytes,
) -> BookingDetails:
    booking, citizen = _owned_booking(
        session, reference=reference, document_number=document_number, secret=secret, lock=False
    )
    return _details(session, directory, booking, citizen)


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
    document_number: str,
    secret: bytes,
) -> BookingDetails:
    booking, citizen = _owned_booking(
        session, reference=reference, document_number=document_number, secret=secret, lock=True
    )
    now = utcnow()
    _check_active(booking, now)
    office = directory.office_by_id(session, booking.office_id)
    slot_cells.apply_changes(
        session,
        office_id=booking.office_id,
        changes=dict.fromkeys(_cells_of(office.plan, booking), -1),
        capacity={},
    )
    booking.status = BookingStatus.cancelled
    booking.updated_at = now
    session.flush()
    return _details(session, directory, booking, citizen)


def reschedule_booking(
    session: Session,
    *,
    directory: Directory,
    reference: str,
    document_number: str,
    starts_at: datetime,
    secret: bytes,
    rules: BookingRules,
) -> BookingDetails:
    """Move a booking. The old place is given up only in the transaction that takes the new one."""
    booking, citizen = _owned_booking(
        session, reference=reference, document_number=document_number, secret=secret, lock=True
    )
    now = utcnow()
    _check_active(booking, now)
    office = directory.office_by_id(session, booking.office_id)
    service = directory.service_by_id(session, booking.service_id)
    check_bookable_time(office.plan, starts_at=starts_at, now=now, rules=rules)
    pool, count = _take_cells(
        session,
        office=office,
        service=service,
        starts_at=starts_at,
        releasing=_cells_of(office.plan, booking),
    )
    booking.starts_at = starts_at
    booking.ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    booking.pool = pool
    booking.cells = count
    booking.updated_at = now
    session.flush()
    return _details(session, directory, booking, citizen)


def _cells_of(plan: OfficePlan, booking: Booking) -> list[CellKey]:
    return held_cells(plan, pool=booking.pool, starts_at=booking.starts_at, count=booking.cells)


def availability(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    service_code: str,
    first: date,
    last: date,
    rules: BookingRules,
) -> tuple[OfficeInfo, ServiceInfo, list[Slot]]:
    office = directory.office(session, office_code)
    service = office.service(service_code)
    plan = office.plan
    now = utcnow()
    today = now.astimezone(plan.timezone).date()
    if last < first:
        raise Invalid("'to' is before 'from'; swap them.", field="to")
    if (last - first).days >= rules.max_range_days:
        raise Invalid(f"Ask for at most {rules.max_range_days} days at a time.", field="to")
    first = max(first, today)
    last = min(last, today + timedelta(days=rules.horizon_days))
    capacity = cells_between(plan, first, last) if first <= last else {}
    if not capacity:
        return office, service, []
    starts = [cell.starts_at for cell in capacity]
    booked = slot_cells.booked_counts(
        session,
        office_id=office.id,
        pools=plan.pools_for(service.code),
        first=min(starts),
        last=max(starts),
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
