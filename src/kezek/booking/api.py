"""Availability and bookings under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from kezek.booking import service
from kezek.booking.deps import DocumentNumberDep
from kezek.booking.schemas import (
    AvailabilityPublic,
    BookingCreate,
    BookingPublic,
    BookingReschedule,
    Code,
    PhoneCodeCreate,
    PhoneCodePublic,
    PhoneCodeVerify,
    PhoneProofPublic,
    SlotPublic,
)
from kezek.http.deps import ContextDep
from kezek.http.problems import problems
from kezek.http.threads import on_a_thread
from kezek.ratelimit import client_address
from kezek.types import IsoDate

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
async def availability(
    context: ContextDep,
    office: Annotated[Code, Path()],
    service_code: Annotated[Code, Query(alias="service")],
    first: Annotated[
        IsoDate | None,
        Query(alias="from", description="First local date, YYYY-MM-DD; today if left out"),
    ] = None,
    last: Annotated[
        IsoDate | None,
        Query(alias="to", description="Last local date, YYYY-MM-DD; a week on if left out"),
    ] = None,
) -> AvailabilityPublic:
    found = await on_a_thread(
        service.free_times, context, office=office, service=service_code, first=first, last=last
    )
    zone = found.office.zone
    return AvailabilityPublic(
        office=found.office.code,
        service=found.service.code,
        timezone=found.office.timezone,
        slots=[SlotPublic.of(slot, zone) for slot in found.slots],
    )


@router.post(
    "/bookings",
    status_code=status.HTTP_201_CREATED,
    response_model=BookingPublic,
    responses=problems(404, 409, 422, 429),
)
async def create_booking(
    body: BookingCreate,
    context: ContextDep,
    http: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    booked = await on_a_thread(
        service.create,
        context,
        request=body.as_request(),
        client=client_address(http),
        idempotency_key=idempotency_key,
        phone_proof=body.phone_proof,
    )
    headers = {"Location": f"/api/v1/bookings/{booked.booking.reference}"}
    if booked.replayed:
        headers["Idempotent-Replayed"] = "true"
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
    context: ContextDep,
    http: Request,
) -> BookingPublic:
    proof = service.holder_proof(
        context, document_number=document_number, client=client_address(http)
    )
    return BookingPublic.of(service.look_up(context, reference=reference, proof=proof))


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
    proof = service.holder_proof(
        context, document_number=document_number, client=client_address(http)
    )
    return BookingPublic.of(service.cancel(context, reference=reference, proof=proof))


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
    proof = service.holder_proof(
        context, document_number=document_number, client=client_address(http)
    )
    moved = service.move(context, reference=reference, proof=proof, starts_at=body.start)
    return BookingPublic.of(moved)


@router.post(
    "/phone-codes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PhoneCodePublic,
    responses=problems(404, 409, 422, 429),
    summary="Send a one-time code by SMS to confirm a phone number",
    description="The code has 6 digits and works for 10 minutes and 5 tries; a new code "
    "replaces the one before. Accepted means written for sending: the SMS goes out within "
    "seconds. 409 sms_unavailable when no SMS can be sent; 429 after too many codes for "
    "one number, or from one address, within an hour.",
)
def send_phone_code(body: PhoneCodeCreate, context: ContextDep, http: Request) -> PhoneCodePublic:
    sent = service.send_phone_code(
        context,
        office=body.office,
        phone=body.phone,
        language=body.language,
        client=client_address(http),
    )
    return PhoneCodePublic(phone=sent.phone, expires_at=sent.expires_at)


@router.post(
    "/phone-codes/verify",
    response_model=PhoneProofPublic,
    responses=problems(404, 422, 429),
    summary="Type back the code: the answer is the proof a booking shows",
    description="A wrong code is 422 phone_code_refused with tries_left; after 5 wrong "
    "tries, or 10 minutes, ask for a new code.",
)
def verify_phone_code(
    body: PhoneCodeVerify, context: ContextDep, http: Request
) -> PhoneProofPublic:
    proof = service.confirm_phone(
        context, office=body.office, phone=body.phone, code=body.code, client=client_address(http)
    )
    return PhoneProofPublic(phone_proof=proof, valid_until=service.proof_valid_until(proof))
