"""At most so many active bookings per phone number.

A tout who books on behalf of strangers gives one phone number for dozens of documents; a
family or a work team that shares a phone needs a few. The cap counts the confirmed,
not-yet-passed bookings of every citizen whose contact number is this phone, plus those of
the citizen now booking (whose number the booking is about to change to this one).

Counting and then inserting is only safe if no other booking for the same phone or the same
citizen can commit in between. On PostgreSQL the booking first takes advisory locks keyed by
the phone and by the document, held until its transaction ends; the count runs after them
with a snapshot of its own, so it includes whatever the previous holder of the locks
committed. The general path takes them and counts in two statements (``hold_phone``); the
one-statement booking does both inside its statement, through the database function
``kezek_phone_bookings``, with the keys from ``lock_keys``. SQLite transactions start with
BEGIN IMMEDIATE, which serializes every writer anyway.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, text

from kezek.db import is_postgresql
from kezek.errors import Conflict

_LOCKED_COUNT = text(
    "SELECT kezek_phone_bookings(:first_lock, :second_lock, :phone, :document_hash, :key, :now)"
)

# SQLite's count (PostgreSQL's is the function's, the same query). From the citizens to
# their bookings, each looked up by its index: a plain join lets the
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
    parameters = {
        "phone": phone,
        "document_hash": document_hash,
        "now": now,
        "key": idempotency_key,
    }
    if is_postgresql(connection):
        parameters.update(lock_keys(phone, document_hash))
        active = connection.execute(_LOCKED_COUNT, parameters).scalar_one()
    else:
        active = connection.execute(_ACTIVE, parameters).scalar_one()
    if active >= cap:
        raise cap_reached(active, cap)


def cap_reached(active: int, cap: int) -> PhoneCapReached:
    return PhoneCapReached(
        f"This phone number already holds {active} active bookings; one number may hold "
        f"at most {cap}. Cancel a booking that is no longer needed, or give the phone "
        "number of the person the booking is for.",
        field="phone",
    )


def lock_keys(phone: str, document_hash: str) -> dict[str, int]:
    # Both locks in one fixed order, so that two bookings can never wait on each other.
    first, second = sorted((_lock_key("phone", phone), _lock_key("document", document_hash)))
    return {"first_lock": first, "second_lock": second}


def _lock_key(kind: str, value: str) -> int:
    """A signed 64-bit advisory-lock key; "kezek-booking" keeps it apart from other users."""
    digest = hashlib.blake2b(f"kezek-booking:{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
