"""Availability and bookings under /api/v1."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Path, Query, Response, status

from kezek.booking import service as bookings
from kezek.booking.schemas import (
    AvailabilityPublic,
    BookingCreate,
    BookingPublic,
    BookingReschedule,
    Code,
    SlotPublic,
)
from kezek.db import run_transaction
from kezek.deps import DocumentNumberDep, ReadSessionDep, RulesDep, SecretDep, SessionsDep
from kezek.problems import MEDIA_TYPE

router = APIRouter(tags=["booking"])

_PROBLEM: dict[str, Any] = {
    "content": {MEDIA_TYPE: {}},
    "description": "Problem details (RFC 9457)",
}
ERRORS: dict[int | str, dict[str, Any]] = {404: _PROBLEM, 409: _PROBLEM, 422: _PROBLEM}
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


@router.get("/offices/{office}/availability", response_model=AvailabilityPublic, responses=ERRORS)
def availability(
    session: ReadSessionDep,
    rules: RulesDep,
    office: Annotated[Code, Path()],
    service: Annotated[Code, Query()],
    first: Annotated[date, Query(alias="from", description="First local date, YYYY-MM-DD")],
    last: Annotated[date, Query(alias="to", description="Last local date, YYYY-MM-DD")],
) -> AvailabilityPublic:
    found_office, found_service, slots = bookings.availability(
        session, office_code=office, service_code=service, first=first, last=last, rules=rules
    )
    zone = ZoneInfo(found_office.timezone)
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
    responses=ERRORS,
)
def create_booking(
    body: BookingCreate,
    response: Response,
    sessions: SessionsDep,
    rules: RulesDep,
    secret: SecretDep,
    idempotency_key: IdempotencyKey = None,
) -> BookingPublic:
    request = bookings.BookingRequest(
        office=body.office,
        service=body.service,
        starts_at=body.start,
        document_number=body.document_number,
        full_name=body.full_name,
        phone=body.phone,
        language=body.language,
        legal_stay_until=body.legal_stay_until,
    )
    booked = bookings.book(
        sessions, request=request, rules=rules, secret=secret, idempotency_key=idempotency_key
    )
    if booked.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/bookings/{booked.booking.reference}"
    return BookingPublic.of(booked.booking)


@router.get("/bookings/{reference}", response_model=BookingPublic, responses=ERRORS)
def get_booking(
    reference: Reference,
    document_number: DocumentNumberDep,
    session: ReadSessionDep,
    secret: SecretDep,
) -> BookingPublic:
    booking = bookings.find_booking(
        session, reference=reference, document_number=document_number, secret=secret
    )
    return BookingPublic.of(booking)


@router.post("/bookings/{reference}/cancel", response_model=BookingPublic, responses=ERRORS)
def cancel_booking(
    reference: Reference,
    document_number: DocumentNumberDep,
    sessions: SessionsDep,
    secret: SecretDep,
) -> BookingPublic:
    booking = run_transaction(
        sessions,
        lambda session: bookings.cancel_booking(
            session, reference=reference, document_number=document_number, secret=secret
        ),
    )
    return BookingPublic.of(booking)


@router.post("/bookings/{reference}/reschedule", response_model=BookingPublic, responses=ERRORS)
def reschedule_booking(
    reference: Reference,
    body: BookingReschedule,
    document_number: DocumentNumberDep,
    sessions: SessionsDep,
    rules: RulesDep,
    secret: SecretDep,
) -> BookingPublic:
    booking = run_transaction(
        sessions,
        lambda session: bookings.reschedule_booking(
            session,
            reference=reference,
            document_number=document_number,
            starts_at=body.start,
            secret=secret,
            rules=rules,
        ),
    )
    return BookingPublic.of(booking)
