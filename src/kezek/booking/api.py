"""Availability and bookings under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from kezek.booking.availability import availability as free_places
from kezek.booking.create import book
from kezek.booking.identity import document_hash
from kezek.booking.manage import cancel_booking as cancel
from kezek.booking.manage import find_booking
from kezek.booking.manage import reschedule_booking as reschedule
from kezek.booking.schemas import (
    AvailabilityPublic,
    BookingCreate,
    BookingPublic,
    BookingReschedule,
    Code,
    SlotPublic,
)
from kezek.db import run_transaction
from kezek.deps import AppContext, ContextDep, DocumentNumberDep, ReadSessionDep
from kezek.metrics import BOOKINGS
from kezek.problems import problems
from kezek.ratelimit import client_address
from kezek.types import IsoDate, utcnow

router = APIRouter(tags=["booking"])

Reference = Annotated[
    str, Path(max_length=20, description="The booking reference, such as 7KQ2-M9XD")
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="A random string per booking attempt; a retry with the same key "
        "returns the same booking instead of a second one.",
    ),
]


@router.get(
    "/offices/{office}/availability",
    response_model=AvailabilityPublic,
    responses=problems(404, 422),
)
def availability(
    session: ReadSessionDep,
    context: ContextDep,
    office: Annotated[Code, Path()],
    service: Annotated[Code, Query()],
    first: Annotated[IsoDate, Query(alias="from", description="First local date, YYYY-MM-DD")],
    last: Annotated[IsoDate, Query(alias="to", description="Last local date, YYYY-MM-DD")],
) -> AvailabilityPublic:
    found_office, found_service, slots = free_places(
        session,
        directory=context.directory,
        office_code=office,
        service_code=service,
        first=first,
        last=last,
        rules=context.rules,
    )
    zone = found_office.zone
    return AvailabilityPublic(
        office=found_office.code,
        service=found_service.code,
        timezone=found_office.timezone,
        slots=[SlotPublic.of(slot, zone) for slot in slots],
    )


@router.post(
    "/bookings",
    status_code=status.HTTP_201_CREATED,
    response_model=BookingPublic,
    responses=problems(404, 409, 422, 429),
)
def create_booking(
    body: BookingCreate,
    context: ContextDep,
    http: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    check_booking(context, http, body.document_number)
    request = body.as_request()
    booked = book(
        context.sessions,
        directory=context.directory,
        request=request,
        rules=context.rules,
        secret=context.secret,
        idempotency_key=idempotency_key,
    )
    headers = {"Location": f"/api/v1/bookings/{booked.booking.reference}"}
    if booked.replayed:
        headers["Idempotent-Replayed"] = "true"
    else:
        BOOKINGS.labels(body.office).inc()
    # Serialised here once; returning the model would have FastAPI validate it again.
    return Response(
        BookingPublic.of(booked.booking).model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers=headers,
    )


@router.get(
    "/bookings/{reference}", response_model=BookingPublic, responses=problems(404, 422, 429)
)
def get_booking(
    reference: Reference,
    document_number: DocumentNumberDep,
    session: ReadSessionDep,
    context: ContextDep,
    http: Request,
) -> BookingPublic:
    check_lookup(context, http, document_number)
    booking = find_booking(
        session,
        directory=context.directory,
        reference=reference,
        proof=document_hash(document_number, secret=context.secret),
    )
    return BookingPublic.of(booking)


@router.post(
    "/bookings/{reference}/cancel",
    response_model=BookingPublic,
    responses=problems(404, 409, 422, 429),
)
def cancel_booking(
    reference: Reference,
    document_number: DocumentNumberDep,
    context: ContextDep,
    http: Request,
) -> BookingPublic:
    check_lookup(context, http, document_number)
    booking = run_transaction(
        context.sessions,
        lambda session: cancel(
            session,
            directory=context.directory,
            reference=reference,
            proof=document_hash(document_number, secret=context.secret),
        ),
    )
    return BookingPublic.of(booking)


@router.post(
    "/bookings/{reference}/reschedule",
    response_model=BookingPublic,
    responses=problems(404, 409, 422, 429),
)
def reschedule_booking(
    reference: Reference,
    body: BookingReschedule,
    document_number: DocumentNumberDep,
    context: ContextDep,
    http: Request,
) -> BookingPublic:
    check_lookup(context, http, document_number)
    booking = run_transaction(
        context.sessions,
        lambda session: reschedule(
            session,
            directory=context.directory,
            reference=reference,
            proof=document_hash(document_number, secret=context.secret),
            starts_at=body.start,
            rules=context.rules,
        ),
    )
    return BookingPublic.of(booking)


def check_booking(context: AppContext, http: Request, document_number: str) -> None:
    """Booking is limited per address and per document, against bots."""
    limits = context.limits
    context.limiter.check_all(
        [
            (limits.booking_per_address, client_address(http)),
            (limits.booking_per_document, document_number),
        ],
        now=utcnow(),
    )


def check_lookup(context: AppContext, http: Request, document_number: str) -> None:
    """Looking up by reference is limited per address and per document, against guessing."""
    limits = context.limits
    context.limiter.check_all(
        [
            (limits.lookup_per_address, client_address(http)),
            (limits.lookup_per_document, document_number),
        ],
        now=utcnow(),
    )
