"""The booking actions, as the API, the pages and the CLI all call them.

Each action takes typed arguments and the ``AppContext``, and applies what every adapter
must apply alike: the rate limits against bots and guessing, the transaction with its
retries, and the metrics. The adapters only read their input and show the result.
"""

from __future__ import annotations

import contextlib
import time
from datetime import date, datetime, timedelta
from weakref import WeakKeyDictionary

from kezek.booking.availability import Availability, availability
from kezek.booking.create import book
from kezek.booking.details import Booked, BookingDetails, BookingRequest
from kezek.booking.identity import document_hash
from kezek.booking.manage import (
    cancel_booking,
    find_booking,
    holder_bookings,
    reschedule_booking,
)
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.metrics import BOOKINGS
from kezek.network.directory import Directory
from kezek.types import utcnow


def free_times(
    context: AppContext, *, office: str, service: str, first: date | None, last: date | None
) -> Availability:
    """The start times of a service at an office over a range of its local dates, and how
    many more people can book each day."""
    with read_session(context.sessions) as session:
        return availability(
            session,
            directory=context.directory,
            office_code=office,
            service_code=service,
            first=first,
            last=last,
            rules=context.rules,
        )


def create(
    context: AppContext,
    *,
    request: BookingRequest,
    client: str,
    idempotency_key: str | None = None,
) -> Booked:
    """Book a place: limited per address and per document, never oversold, counted once.

    Every request counts against its address. Against the document, only a booking made
    counts, once per idempotency key: a refused booking or a replay gives its hit back, so
    that whoever knows someone's document number cannot use up their bookings with bad ones.
    """
    limits = context.limits
    taken = context.limiter.check_all(
        [
            (limits.booking_per_address, client),
            (limits.booking_per_document, request.document_number),
        ],
        now=utcnow(),
    )
    try:
        booked = book(
            context.sessions,
            directory=context.directory,
            request=request,
            rules=context.rules,
            secret=context.secret,
            idempotency_key=idempotency_key,
        )
    except BaseException:
        with contextlib.suppress(Exception):  # the booking's own failure is what to tell
            taken.give_back(limits.booking_per_document)
        raise
    if booked.replayed:
        taken.give_back(limits.booking_per_document)
    else:
        BOOKINGS.labels(request.office).inc()
    return booked


def holder_proof(context: AppContext, *, document_number: str, client: str) -> str:
    """The keyed hash that proves a booking's holder, counted against guessing references.

    Looking a booking up is limited per address and per document; the proof is what the
    other actions take, so that the document number itself goes no further.
    """
    limits = context.limits
    context.limiter.check_all(
        [
            (limits.lookup_per_address, client),
            (limits.lookup_per_document, document_number),
        ],
        now=utcnow(),
    )
    return proof_of(context, document_number)


def proof_of(context: AppContext, document_number: str) -> str:
    return document_hash(document_number, secret=context.secret)


def first_free_day(context: AppContext, *, office: str, service: str) -> date | None:
    """The first local date within the booking horizon that still has a free place.

    Every citizen opening a service's days asks it, and in a rush the answer is far ahead
    and the same for everyone: it is kept a few seconds per process, as a starting point
    only (the day's own places are read afresh).
    """
    kept = _FIRST_FREE.setdefault(context.directory, {})
    hit = kept.get((office, service))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    found = _first_free_day(context, office=office, service=service)
    kept[(office, service)] = (time.monotonic() + FIRST_FREE_SECONDS, found)
    return found


FIRST_FREE_SECONDS = 5.0
# Per network copy, so that each app (and each test's) keeps its own.
_FIRST_FREE: WeakKeyDictionary[Directory, dict[tuple[str, str], tuple[float, date | None]]] = (
    WeakKeyDictionary()
)


def _first_free_day(context: AppContext, *, office: str, service: str) -> date | None:
    rules = context.rules
    with read_session(context.sessions) as session:
        zone = context.directory.office(session, office).zone
    first = utcnow().astimezone(zone).date()
    last_day = first + timedelta(days=rules.horizon_days)
    while first <= last_day:
        last = min(first + timedelta(days=rules.max_range_days - 1), last_day)
        found = free_times(context, office=office, service=service, first=first, last=last)
        days = sorted(day for day, places in found.places.items() if places > 0)
        if days:
            return days[0]
        first = last + timedelta(days=1)
    return None


def recover(
    context: AppContext, *, document_number: str, phones: set[str], client: str
) -> list[BookingDetails]:
    """A holder's active bookings from their document number and phone, when the reference
    is lost; counted against guessing like a look-up."""
    proof = holder_proof(context, document_number=document_number, client=client)
    with read_session(context.sessions) as session:
        return holder_bookings(
            session, directory=context.directory, proof=proof, phones=phones, now=utcnow()
        )


def look_up(context: AppContext, *, reference: str, proof: str) -> BookingDetails:
    with read_session(context.sessions) as session:
        return find_booking(session, directory=context.directory, reference=reference, proof=proof)


def cancel(context: AppContext, *, reference: str, proof: str) -> BookingDetails:
    return run_transaction(
        context.sessions,
        lambda session: cancel_booking(
            session,
            directory=context.directory,
            reference=reference,
            proof=proof,
            notify=context.rules.notify,
        ),
    )


def move(context: AppContext, *, reference: str, proof: str, starts_at: datetime) -> BookingDetails:
    """Move to another time atomically: the old place is freed only if the new one is taken."""
    return run_transaction(
        context.sessions,
        lambda session: reschedule_booking(
            session,
            directory=context.directory,
            reference=reference,
            proof=proof,
            starts_at=starts_at,
            rules=context.rules,
        ),
    )
