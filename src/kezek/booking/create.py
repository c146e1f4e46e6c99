"""Making a booking: one SQL statement on PostgreSQL when it can, a transaction otherwise."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import notices
from kezek.booking.cells import take_cells
from kezek.booking.contacts import office_phone
from kezek.booking.details import (
    Booked,
    BookingDetails,
    BookingRequest,
    booking_details,
    new_booking_details,
)
from kezek.booking.identity import document_hash, document_tail
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.booking.one_statement import book_in_one_statement
from kezek.booking.phone_cap import hold_phone
from kezek.booking.reference import new_reference
from kezek.booking.rules import (
    BookingRules,
    IdempotencyKeyReused,
    SlotRefused,
    already_booked,
    check_bookable_time,
    check_not_drawn,
    slot_full,
)
from kezek.db import dialect_insert, is_postgresql, run_transaction, violated_constraint
from kezek.network.directory import Directory, OfficeInfo
from kezek.network.models import Service
from kezek.notify.models import Channel
from kezek.notify.outbox import Address, Message, add_contact, enqueue
from kezek.notify.rules import NotifyRules
from kezek.ratelimit import Pending
from kezek.types import utcnow

REFERENCE_ATTEMPTS = 5
BOOKING: Table = Booking.__table__  # type: ignore[assignment]
CITIZEN: Table = Citizen.__table__  # type: ignore[assignment]
SERVICE: Table = Service.__table__  # type: ignore[assignment]


def book(
    sessions: sessionmaker[Session],
    *,
    directory: Directory,
    request: BookingRequest,
    rules: BookingRules,
    secret: bytes,
    idempotency_key: str | None = None,
    hits: Pending | None = None,
) -> Booked:
    """Book a place; ``hits`` (the request's rate limits) are counted before any work,
    in the booking's own statement where it can."""
    fingerprint = request.fingerprint(secret)
    attempt = _Attempt(directory, request, rules, secret, idempotency_key, fingerprint, hits)
    one_statement = rules.one_statement and is_postgresql(sessions)
    for _ in range(REFERENCE_ATTEMPTS):
        try:
            booked = _book_in_one_statement(sessions, attempt) if one_statement else None
            if booked is not None:
                return booked
            attempt.count_hits()
            return run_transaction(sessions, partial(_book, attempt=attempt))
        except IntegrityError as exc:
            attempt.count_hits()  # the statement that would have counted them was undone
            violated = violated_constraint(exc)
            if idempotency_key and violated == "uq_booking_idempotency_key":
                # A concurrent retry with the same key won the race: answer with its booking.
                replayed = _replay_in_transaction(
                    sessions, directory=directory, key=idempotency_key, fingerprint=fingerprint
                )
                assert replayed is not None, "the key is taken, so its booking exists"
                return replayed
            if violated == "uq_booking_one_active":
                lapse = partial(_lapse_past_bookings, request=request, secret=secret)
                if run_transaction(sessions, lapse):
                    continue  # the booking in the way had passed: try again
                raise already_booked() from None
            if violated != "uq_booking_reference":
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
    hits: Pending | None

    def count_hits(self) -> None:
        if self.hits is not None:
            self.hits.count()


def _book_in_one_statement(sessions: sessionmaker[Session], attempt: _Attempt) -> Booked | None:
    """The PostgreSQL path for a service of one window pool; None leaves it to ``_book``."""
    directory, request, secret = attempt.directory, attempt.request, attempt.secret
    idempotency_key, fingerprint = attempt.idempotency_key, attempt.fingerprint
    office = directory.office(sessions, request.office)
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
        check_not_drawn(office, service=service.code, starts_at=request.starts_at)
    except SlotRefused:
        attempt.count_hits()
        # A retry of a booking made in time is still answered after the time has passed.
        if replayed := replay():
            return replayed
        raise
    spans = office.plan.spans(
        service.code, starts_at=request.starts_at, duration_minutes=service.duration_minutes
    )
    if len(spans) != 1:
        return None
    reference = new_reference()
    details = new_booking_details(
        request, office=office, service=service, reference=reference, phone=phone
    )
    notify = attempt.rules.notify
    messages, contacts = _tell_booked(details, request, notify, now)
    taken = book_in_one_statement(
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
        phone_cap=attempt.rules.bookings_per_phone,
        now=now,
        reference=reference,
        messages=[message.row(now) for message in messages],
        contacts=contacts,
        remind_at=notices.first_reminder_at(details, notify, changed_at=now),
        hits=attempt.hits,
    )
    if taken is None:
        if replayed := replay():
            return replayed
        raise slot_full()
    return Booked(details, replayed=False)


def _book(session: Session, *, attempt: _Attempt) -> Booked:
    """The general path: any number of pools, and SQLite."""
    directory, request, secret = attempt.directory, attempt.request, attempt.secret
    idempotency_key, fingerprint = attempt.idempotency_key, attempt.fingerprint
    office = directory.office(session, request.office)
    service = office.service(request.service)
    phone = _phone(request, office)
    now = utcnow()
    hold_phone(
        session.connection(),
        phone=phone,
        document_hash=document_hash(request.document_number, secret=secret),
        idempotency_key=idempotency_key,
        cap=attempt.rules.bookings_per_phone,
        now=now,
    )
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
    check_not_drawn(office, service=service.code, starts_at=request.starts_at)
    _refuse_a_second_booking(earlier, now=now)
    pool, count = take_cells(session, office=office, service=service, starts_at=request.starts_at)
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
        "cell_minutes": office.plan.slot_minutes,
        "status": BookingStatus.confirmed.value,
        "language": request.language,
        "idempotency_key": idempotency_key,
        "request_fingerprint": fingerprint if idempotency_key else None,
        "created_at": now,
        "updated_at": now,
    }
    details = new_booking_details(
        request, office=office, service=service, reference=reference, phone=phone
    )
    notify = attempt.rules.notify
    booking["remind_at"] = notices.first_reminder_at(details, notify, changed_at=now)
    # Core, not the ORM unit of work: this is the hot path of a booking rush.
    connection = session.connection()
    connection.execute(insert(BOOKING), booking)
    messages, contacts = _tell_booked(details, request, notify, now)
    for contact in contacts:
        add_contact(connection, subject=contact["subject"], to=_address(contact), now=now)
    enqueue(connection, messages, now=now)
    return Booked(details, replayed=False)


def _tell_booked(
    details: BookingDetails, request: BookingRequest, rules: NotifyRules, now: datetime
) -> tuple[list[Message], list[dict[str, Any]]]:
    """The confirmation, and the channels the citizen chose besides SMS."""
    chosen = []
    if request.email:
        chosen.append(Address(Channel.email, request.email, request.language))
    contacts = [
        {
            "subject": notices.subject_of(details.reference),
            "channel": to.channel.value,
            "address": to.address,
            "language": to.language,
            "created_at": now,
        }
        for to in chosen
    ]
    to = notices.addresses(details, rules, chosen)
    return notices.confirmed(details, to=to, rules=rules, now=now), contacts


def _address(contact: dict[str, Any]) -> Address:
    return Address(Channel(contact["channel"]), contact["address"], contact["language"])


def _phone(request: BookingRequest, office: OfficeInfo) -> str:
    return office_phone(request.phone, office)


def _replay_in_transaction(
    sessions: sessionmaker[Session], *, directory: Directory, key: str | None, fingerprint: str
) -> Booked | None:
    if not key:
        return None
    return run_transaction(
        sessions, partial(_replay, directory=directory, key=key, fingerprint=fingerprint)
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
    return Booked(booking_details(session, directory, booking, citizen), replayed=True)


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
    return save_citizen(session, row)


def save_citizen(session: Session, row: dict[str, Any]) -> int:
    """Insert the citizen by document hash, or give the newest details to the one there."""
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
            raise already_booked()


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
        .values(status=BookingStatus.lapsed.value, updated_at=now, remind_at=None)
    )
    lapsed: int = result.rowcount
    return lapsed
