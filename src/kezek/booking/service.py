"""The booking actions, as the API, the pages and the CLI all call them.

Each action takes typed arguments and the ``AppContext``, and applies what every adapter
must apply alike: the rate limits against bots and guessing, the transaction with its
retries, and the metrics. The adapters only read their input and show the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kezek.booking.availability import availability
from kezek.booking.create import book
from kezek.booking.details import Booked, BookingDetails, BookingRequest
from kezek.booking.identity import document_hash
from kezek.booking.manage import cancel_booking, find_booking, reschedule_booking
from kezek.booking.slots import Slot
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.metrics import BOOKINGS
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.types import utcnow


@dataclass(frozen=True)
class FreeTimes:
    office: OfficeInfo
    service: ServiceInfo
    slots: list[Slot]  # every start time in the range, with its free places


def free_times(
    context: AppContext, *, office: str, service: str, first: date, last: date
) -> FreeTimes:
    """The start times of a service at an office over a range of its local dates."""
    with read_session(context.sessions) as session:
        found_office, found_service, slots = availability(
            session,
            directory=context.directory,
            office_code=office,
            service_code=service,
            first=first,
            last=last,
            rules=context.rules,
        )
    return FreeTimes(found_office, found_service, slots)


def create(
    context: AppContext,
    *,
    request: BookingRequest,
    client: str,
    idempotency_key: str | None = None,
) -> Booked:
    """Book a place: limited per address and per document, never oversold, counted once."""
    limits = context.limits
    context.limiter.check_all(
        [
            (limits.booking_per_address, client),
            (limits.booking_per_document, request.document_number),
        ],
        now=utcnow(),
    )
    booked = book(
        context.sessions,
        directory=context.directory,
        request=request,
        rules=context.rules,
        secret=context.secret,
        idempotency_key=idempotency_key,
    )
    if not booked.replayed:
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


def look_up(context: AppContext, *, reference: str, proof: str) -> BookingDetails:
    with read_session(context.sessions) as session:
        return find_booking(session, directory=context.directory, reference=reference, proof=proof)


def cancel(context: AppContext, *, reference: str, proof: str) -> BookingDetails:
    return run_transaction(
        context.sessions,
        lambda session: cancel_booking(
            session, directory=context.directory, reference=reference, proof=proof
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
