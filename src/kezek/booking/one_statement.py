"""A booking on PostgreSQL in one SQL statement, where the general path needs six.

The statement takes the slot cells, then upserts the citizen, then inserts the booking, each
step only if the one before it succeeded, so a refused booking writes nothing. With one
cell nothing can be half-done, so the statement runs in autocommit as a transaction of its
own, after the phone's bookings are counted under its locks (``phone_cap``); with several
it runs in an explicit transaction that counts first, rolled back when only some cells
could be taken. The unique indexes still decide "one active booking per citizen and
service" and "one booking per idempotency key": a violation aborts the whole statement and
surfaces as an IntegrityError, which the caller handles as on the general path.

This path serves a service that only one window pool handles, which is the common case;
the general path (``create._book``) covers the rest, and SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from kezek.booking.identity import document_hash, document_tail
from kezek.booking.models import BookingStatus
from kezek.booking.phone_cap import hold_phone, phone_held, refuse_past_cap
from kezek.booking.reference import new_reference
from kezek.db import with_retries
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.network.plan import Span

BOOK = text(
    """
WITH earlier AS (
    SELECT id FROM booking WHERE idempotency_key = :idempotency_key
), cell AS (
    INSERT INTO slot_cell (office_id, pool, starts_at, booked, capacity)
    SELECT :office_id, :pool, wanted.starts_at, 1, wanted.capacity
    FROM unnest(CAST(:cell_starts AS timestamptz[]), CAST(:cell_capacities AS integer[]))
        AS wanted(starts_at, capacity)
    WHERE NOT EXISTS (SELECT 1 FROM earlier)
    ORDER BY wanted.starts_at
    ON CONFLICT (office_id, pool, starts_at) DO UPDATE
        SET booked = slot_cell.booked + 1, capacity = excluded.capacity
        WHERE slot_cell.booked < excluded.capacity
    RETURNING 1
), citizen AS (
    INSERT INTO citizen (document_hash, document_tail, full_name, phone, language,
                         legal_stay_until, created_at, updated_at)
    SELECT :document_hash, :document_tail, :full_name, :phone, :language,
           :legal_stay_until, :now, :now
    WHERE (SELECT count(*) FROM cell) = :cells
    ON CONFLICT (document_hash) DO UPDATE
        SET full_name = excluded.full_name, phone = excluded.phone,
            language = excluded.language, legal_stay_until = excluded.legal_stay_until,
            updated_at = excluded.updated_at
    RETURNING id
)
INSERT INTO booking (reference, office_id, service_id, citizen_id, starts_at, ends_at, pool,
                     cells, cell_minutes, status, language, idempotency_key, request_fingerprint,
                     created_at, updated_at)
SELECT :reference, :office_id, :service_id, citizen.id, :starts_at, :ends_at, :pool,
       :cells, :cell_minutes, :status, :language, :idempotency_key, :request_fingerprint, :now, :now
FROM citizen
RETURNING reference
"""
)


def book_in_one_statement(
    engine: Engine,
    *,
    office: OfficeInfo,
    service: ServiceInfo,
    span: Span,
    citizen: Mapping[str, Any],
    starts_at: datetime,
    idempotency_key: str | None,
    fingerprint: str,
    secret: bytes,
    phone_cap: int,
    now: datetime,
) -> str | None:
    """The new booking's reference, or None when a cell was full or the key was used.

    Raises ``PhoneCapReached`` when the phone already holds ``phone_cap`` active bookings.
    """
    document = citizen["document_number"]
    parameters = {
        "idempotency_key": idempotency_key,
        "request_fingerprint": fingerprint if idempotency_key else None,
        "office_id": office.id,
        "service_id": service.id,
        "pool": span.pool,
        "cell_starts": [cell.starts_at for cell in span.cells],
        "cell_capacities": [span.capacity[cell] for cell in span.cells],
        "cells": len(span.cells),
        "cell_minutes": office.plan.slot_minutes,
        "document_hash": document_hash(document, secret=secret),
        "document_tail": document_tail(document),
        "full_name": citizen["full_name"],
        "phone": citizen["phone"],
        "language": citizen["language"],
        "legal_stay_until": citizen["legal_stay_until"],
        "reference": new_reference(),
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=service.duration_minutes),
        "status": BookingStatus.confirmed.value,
        "now": now,
    }
    return with_retries(lambda: _run(engine, parameters, phone_cap=phone_cap))


def _run(engine: Engine, parameters: dict[str, Any], *, phone_cap: int) -> str | None:
    cap = {
        "phone": parameters["phone"],
        "document_hash": parameters["document_hash"],
        "idempotency_key": parameters["idempotency_key"],
        "cap": phone_cap,
        "now": parameters["now"],
    }
    with engine.connect() as connection:
        if parameters["cells"] == 1:
            # Nothing can be half-done with one cell: the statement is its own transaction,
            # and the cell is locked only while it runs.
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            if phone_cap <= 0:
                return autocommit.execute(BOOK, parameters).scalar()
            with phone_held(autocommit, phone=cap["phone"], document_hash=cap["document_hash"]):
                refuse_past_cap(autocommit, **cap)
                return autocommit.execute(BOOK, parameters).scalar()
        with connection.begin() as transaction:
            hold_phone(connection, **cap)
            reference = connection.execute(BOOK, parameters).scalar()
            if reference is None:
                transaction.rollback()  # some cells may have been taken before one was full
            return reference
