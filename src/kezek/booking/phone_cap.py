"""At most so many active bookings per phone number.

A tout who books on behalf of strangers gives one phone number for dozens of documents; a
family or a work team that shares a phone needs a few. The cap counts the confirmed,
not-yet-passed bookings of every citizen whose contact number is this phone, plus those of
the citizen now booking (whose number the booking is about to change to this one).

Counting and then inserting is only safe if no other booking for the same phone or the same
citizen can commit in between. On PostgreSQL the transaction first takes advisory locks
keyed by the phone and by the document; the count runs as the next statement, so its
snapshot already includes whatever the previous holder of the locks committed. SQLite
transactions start with BEGIN IMMEDIATE, which serializes every writer anyway.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, text

from kezek.problems import Conflict

_LOCK = text("SELECT pg_advisory_xact_lock(:first), pg_advisory_xact_lock(:second)")

_ACTIVE = text(
    """
SELECT count(*) FROM booking JOIN citizen ON citizen.id = booking.citizen_id
WHERE (citizen.phone = :phone OR citizen.document_hash = :document_hash)
  AND booking.status = 'confirmed' AND booking.ends_at >= :now
  AND (CAST(:key AS varchar) IS NULL OR booking.idempotency_key IS NULL
       OR booking.idempotency_key <> :key)
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
    """Refuse the booking if the phone already holds ``cap`` active ones (0: no cap).

    Call it inside the booking's transaction, before anything is written. A retry of a
    booking already made with ``idempotency_key`` does not count against itself.
    """
    if cap <= 0:
        return
    if connection.dialect.name == "postgresql":
        # Both locks in one fixed order, so that two bookings can never wait on each other.
        first, second = sorted((_lock_key("phone", phone), _lock_key("document", document_hash)))
        connection.execute(_LOCK, {"first": first, "second": second})
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


def _lock_key(kind: str, value: str) -> int:
    """A signed 64-bit advisory-lock key; "kezek-booking" keeps it apart from other users."""
    digest = hashlib.blake2b(f"kezek-booking:{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
