"""Rounds under /api/v1: the round, applying, one's own application, confirming a place."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from kezek.booking import service as booking_service
from kezek.booking.deps import DocumentNumberDep
from kezek.booking.reference import display_reference, normalize_reference
from kezek.booking.schemas import Code
from kezek.http.deps import ContextDep
from kezek.http.problems import problems
from kezek.ratelimit import client_address
from kezek.rounds import service
from kezek.rounds.schemas import (
    ApplicationCreate,
    ApplicationLookup,
    ApplicationPublic,
    ConfirmationPublic,
    ReceiptPublic,
    RoundPublic,
)

router = APIRouter(tags=["rounds"])
RoundCode = Annotated[Code, Path(description="The round's code")]


@router.get("/rounds", response_model=list[RoundPublic])
def list_rounds(context: ContextDep) -> list[RoundPublic]:
    return [RoundPublic.of(view) for view in service.rounds(context)]


@router.get("/rounds/{code}", response_model=RoundPublic, responses=problems(404))
def get_round(code: RoundCode, context: ContextDep) -> RoundPublic:
    return RoundPublic.of(service.one_round(context, code))


@router.get(
    "/rounds/{code}/draw",
    responses={200: {"content": {"application/json": {}}}, **problems(404)},
    response_class=Response,
)
def get_draw(code: RoundCode, context: ContextDep) -> Response:
    """The draw's published file, to check with ``kezek draw verify``."""
    return Response(
        service.published(context, code=code),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="draw-{code}.json"'},
    )


@router.post(
    "/rounds/{code}/applications",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReceiptPublic,
    responses=problems(404, 409, 422, 429),
)
def apply(
    code: RoundCode, body: ApplicationCreate, context: ContextDep, http: Request
) -> ReceiptPublic:
    """Apply, or change one's application, until the round closes. The answer is the same
    for a new application, a changed one, and one that changed nothing."""
    receipt = service.apply(
        context,
        code=code,
        request=body.as_request(),
        phone_proof=body.phone_proof,
        client=client_address(http),
    )
    return ReceiptPublic.of(receipt)


@router.post(
    "/rounds/{code}/applications/lookup",
    response_model=ApplicationPublic,
    responses=problems(404, 422, 429),
)
def look_up(
    code: RoundCode, body: ApplicationLookup, context: ContextDep, http: Request
) -> ApplicationPublic:
    view = service.my_application(
        context,
        code=code,
        document_number=body.document_number,
        phone=body.phone,
        client=client_address(http),
    )
    return ApplicationPublic.of(view)


@router.post(
    "/bookings/{reference}/confirm",
    response_model=ConfirmationPublic,
    responses=problems(404, 409, 422, 429),
)
def confirm(
    reference: Annotated[str, Path(max_length=20, description="The booking's reference")],
    document_number: DocumentNumberDep,
    context: ContextDep,
    http: Request,
) -> ConfirmationPublic:
    """Keep a place won in a draw, before the time its message gives."""
    proof = booking_service.holder_proof(
        context, document_number=document_number, client=client_address(http)
    )
    done = service.confirm_place(context, reference=reference, proof=proof)
    shown = display_reference(normalize_reference(reference))
    return ConfirmationPublic(reference=shown, standing=done.standing)
