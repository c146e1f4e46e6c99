"""A booking on PostgreSQL in one SQL statement, where the general path needs six.

The statement counts the phone's bookings under its locks (``phone_cap``), takes the slot
cells, then upserts the citizen, then inserts the booking, each step only if the one
before it succeeded, so a refused booking writes nothing. The count runs in the database
function ``kezek_phone_bookings``, which waits for the phone's and the document's locks
and only then reads, with a snapshot of its own: the statement's snapshot dates from
before the wait. With one cell nothing can be half-done, so the statement runs in
autocommit as a transaction of its own: one round trip, and the locks and the cell held
only while it runs. With several cells it runs in an explicit transaction, rolled back
when only some cells could be taken. The unique indexes still decide "one active booking
per citizen and service" and "one booking per idempotency key": a violation aborts the
whole statement and surfaces as an IntegrityError, which the caller handles as on the
general path.

This path serves a service that only one window pool handles, which is the common case;
the general path (``create._book``) covers the rest, and SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from kezek.booking.identity import document_hash, document_tail
from kezek.booking.models import BookingStatus
from kezek.booking.phone_cap import cap_reached, lock_keys
from kezek.db import with_retries
from kezek.direct import Direct
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.network.plan import Span
from kezek.ratelimit import HITS, NO_HITS, Pending


# The request's rate-limit hits first (``kezek.ratelimit.HITS``, or none), then the phone's
# bookings, counted by the function after it has taken the phone's locks; no cap (0), or a
# rate limit passed, counts nothing and takes no lock.
def _with(hits: str) -> str:
    return f"""
WITH {hits}, cap AS (
    SELECT CASE WHEN :cap > 0 AND (SELECT ok FROM within) THEN kezek_phone_bookings(
        :first_lock, :second_lock, :phone, :document_hash, :idempotency_key, :now
    ) ELSE 0 END AS active
), earlier AS ("""


_TAKE = """
    SELECT id FROM booking WHERE idempotency_key = :idempotency_key
), cell AS (
    INSERT INTO slot_cell (office_id, pool, starts_at, booked, capacity)
    SELECT :office_id, :pool, wanted.starts_at, 1, wanted.capacity
    FROM unnest(CAST(:cell_starts AS timestamptz[]), CAST(:cell_capacities AS integer[]))
        AS wanted(starts_at, capacity)
    WHERE NOT EXISTS (SELECT 1 FROM earlier)
      AND (SELECT ok FROM within)
      AND (:cap <= 0 OR (SELECT active FROM cap) < :cap)
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
), booked AS (
    INSERT INTO booking (reference, office_id, service_id, citizen_id, starts_at, ends_at,
                         pool, cells, cell_minutes, status, language, idempotency_key,
                         request_fingerprint, created_at, updated_at, remind_at)
    SELECT :reference, :office_id, :service_id, citizen.id, :starts_at, :ends_at, :pool,
           :cells, :cell_minutes, :status, :language, :idempotency_key, :request_fingerprint,
           :now, :now, :remind_at
    FROM citizen
    RETURNING reference
)"""

# The booking's confirmation and chosen channels, written only if it was made: the
# notifications commit with the booking, in the same statement.
_TELL = """, told AS (
    INSERT INTO notify_outbox (key, subject, kind, channel, address, language, subject_line,
                               body, calendar, status, attempts, due_at, created_at)
    SELECT m.key, m.subject, m.kind, m.channel, m.address, m.language, m.subject_line,
           m.body, m.calendar, m.status, m.attempts, m.due_at, m.created_at
    FROM json_to_recordset(CAST(:messages AS json)) AS m(
        key text, subject text, kind text, channel text, address text, language text,
        subject_line text, body text, calendar text, status text, attempts integer,
        due_at timestamptz, created_at timestamptz)
    WHERE EXISTS (SELECT 1 FROM booked)
    ON CONFLICT (key) DO NOTHING
), chosen AS (
    INSERT INTO notify_contact (subject, channel, address, language, created_at)
    SELECT c.subject, c.channel, c.address, c.language, c.created_at
    FROM json_to_recordset(CAST(:contacts AS json)) AS c(
        subject text, channel text, address text, language text, created_at timestamptz)
    WHERE EXISTS (SELECT 1 FROM booked)
    ON CONFLICT (subject, channel) DO UPDATE
        SET address = excluded.address, language = excluded.language
)"""

# The reference when booked; the phone's active bookings, to tell a refusal for the cap
# from a full cell; and the rate limits' counts.
_ANSWER = """
SELECT (SELECT reference FROM booked) AS reference, (SELECT active FROM cap) AS active,
       (SELECT json_object_agg(key_hash, hits) FROM hit) AS hits
"""

# With one cell nothing can be half-done: the statement is its own transaction, and the
# cell and the phone's locks are held only while it runs. Only then may it count the rate
# limits' hits too: a transaction rolled back would take the counts back with it.
ALONE = {
    (tell, counting): Direct(text(_with(HITS if counting else NO_HITS) + _TAKE + tail))
    for tell, tail in ((False, _ANSWER), (True, _TELL + _ANSWER))
    for counting in (False, True)
}


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
    reference: str,
    messages: Sequence[Mapping[str, Any]] = (),
    contacts: Sequence[Mapping[str, Any]] = (),
    remind_at: datetime | None = None,
    hits: Pending | None = None,
) -> str | None:
    """The new booking's reference, or None when a cell was full or the key was used.

    ``hits`` are counted in the statement when it runs alone, before it otherwise: past a
    rate limit, ``TooManyRequests`` and nothing booked. Raises ``PhoneCapReached`` when the
    phone already holds ``phone_cap`` active bookings.
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
        "reference": reference,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=service.duration_minutes),
        "status": BookingStatus.confirmed.value,
        "now": now,
        "remind_at": remind_at,
        "cap": phone_cap,
        **lock_keys(citizen["phone"], document_hash(document, secret=secret)),
    }
    tell = bool(messages or contacts)
    if tell:
        parameters["messages"] = json.dumps(list(messages), default=_json_value)
        parameters["contacts"] = json.dumps(list(contacts), default=_json_value)
    alone = len(span.cells) == 1
    counted = hits if hits is not None and hits.taken is None and hits.checks and alone else None
    if counted is not None:
        parameters.update(counted.parameters())
    elif hits is not None:
        hits.count()  # before the work, as the limits are counted everywhere else
    statement = ALONE[tell, counted is not None]
    return with_retries(lambda: _run(engine, statement, parameters, counted))


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _run(
    engine: Engine, statement: Direct, parameters: dict[str, Any], hits: Pending | None
) -> str | None:
    if parameters["cells"] == 1:
        (row,) = statement.rows(engine, parameters)
        return _answer(row, parameters["cap"], hits)
    with engine.connect() as connection, connection.begin() as transaction:
        row = connection.execute(statement.statement, parameters).one()
        if row.reference is None:
            transaction.rollback()  # some cells may have been taken before one was full
        return _answer(row, parameters["cap"], None)


def _answer(row: Any, cap: int, hits: Pending | None) -> str | None:
    """The reference; None for a full cell or a used key; TooManyRequests past a rate
    limit the statement counted; PhoneCapReached past the cap."""
    if hits is not None:
        hits.counted_by_statement(row.hits)
    if row.reference is None and cap > 0 and row.active >= cap:
        raise cap_reached(row.active, cap)
    reference: str | None = row.reference
    return reference
