"""At most so many active bookings per phone number.

A tout who books on behalf of strangers gives one phone number for dozens of documents; a
family or a work team that shares a phone needs a few. The cap counts the confirmed,
not-yet-passed bookings of every citizen whose contact number is this phone, plus those of
the citizen now booking (whose number the booking is about to change to this one).

Counting and then inserting is only safe if no other booking for the same phone or the same
citizen can commit in between. On PostgreSQL the booking first takes advisory locks keyed by
the phone and by the document; the count runs as the next statement, so its snapshot
already includes whatever the previous holder of the locks committed. SQLite transactions
start with BEGIN IMMEDIATE, which serializes every writer anyway.

A booking in a transaction takes transaction-level locks (``hold_phone``). The one-statement
booking of a single cell runs in autocommit, so that the slot cell, which every client of a
rush wants, is locked only while that statement runs; it takes session-level locks around
the count and the statement instead (``phone_held``), and gives them back at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from kezek.db import is_postgresql
from kezek.errors import Conflict

_LOCK = text("SELECT pg_advisory_xact_lock(:first), pg_advisory_xact_lock(:second)")
_SESSION_LOCK = text("SELECT pg_advisory_lock(:first), pg_advisory_lock(:second)")
_SESSION_UNLOCK = text("SELECT pg_advisory_unlock(:second), pg_advisory_unlock(:first)")

# From the citizens to their bookings, each looked up by its index: a plain join lets the
# planner, with statistics from before a rush, scan every confirmed booking instead.
_ACTIVE = text(
    """
SELECT coalesce(sum((
    SELECT count(*) FROM booking
    WHERE booking.citizen_id = who.id
      AND booking.status = 'confirmed' AND booking.ends_at >= :now
      AND (CAST(:key AS varchar) IS NULL OR booking.idempotency_key IS NULL
           OR booking.idempotency_key <> :key)
)), 0)
FROM (
    SELECT id FROM citizen WHERE phone = :phone
    UNION
    SELECT id FROM citizen WHERE document_hash = :document_hash
) AS who
"""
)


class PhoneCapReached(Conflict):
    code = "phone_booking_limit"
    title = "This phone number holds as many bookings as allowed"


def hold_phone(
    connection: Connection,
    *,
    phone: str,
    document_hash: str,
    idempotency_key: str | None,
    cap: int,
    now: datetime,
) -> None:
    """Refuse the booking if the phone already holds ``cap`` active bookings (0: no cap).

    Call it inside the booking's transaction, before anything is written. A retry of a
    booking already made with ``idempotency_key`` does not count against itself.
    """
    if cap <= 0:
        return
    if is_postgresql(connection):
        connection.execute(_LOCK, _lock_keys(phone, document_hash))
    refuse_past_cap(
        connection,
        phone=phone,
        document_hash=document_hash,
        idempotency_key=idempotency_key,
        cap=cap,
        now=now,
    )


@contextmanager
def phone_held(connection: Connection, *, phone: str, document_hash: str) -> Iterator[None]:
    """The phone's and the document's locks for a PostgreSQL connection in autocommit."""
    keys = _lock_keys(phone, document_hash)
    connection.execute(_SESSION_LOCK, keys)
    try:
        yield
    finally:
        try:
            connection.execute(_SESSION_UNLOCK, keys)
        except DBAPIError:
            # A connection that cannot give its locks back must not serve anyone else:
            # closed, it releases them.
            connection.invalidate()
            raise


def refuse_past_cap(
    connection: Connection,
    *,
    phone: str,
    document_hash: str,
    idempotency_key: str | None,
    cap: int,
    now: datetime,
) -> None:
    """The count under the locks; PhoneCapReached when the phone holds ``cap`` already."""
    parameters = {
        "phone": phone,
        "document_hash": document_hash,
        "now": now,
        "key": idempotency_key,
    }
    active = connection.execute(_ACTIVE, parameters).scalar_one()
    if active >= cap:
        raise PhoneCapReached(
            f"This phone number already holds {active} active bookings; one number may hold "
            f"at most {cap}. Cancel a booking that is no longer needed, or give the phone "
            "number of the person the booking is for.",
            field="phone",
        )


def _lock_keys(phone: str, document_hash: str) -> dict[str, int]:
    # Both locks in one fixed order, so that two bookings can never wait on each other.
    first, second = sorted((_lock_key("phone", phone), _lock_key("document", document_hash)))
    return {"first": first, "second": second}


def _lock_key(kind: str, value: str) -> int:
    """A signed 64-bit advisory-lock key; "kezek-booking" keeps it apart from other users."""
    digest = hashlib.blake2b(f"kezek-booking:{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
