"""The citizen's pages: book a time, then look it up, move it or cancel it.

Every step is a plain link or form, so the pages work with JavaScript off on any phone:
office → service → day and time → details → confirmation (reference, calendar file,
printable page). Looking a booking up asks for the reference and the document number once;
the pages after that carry a signed token holding the reference and the document's keyed
hash, never the number itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking import service as booking_service
from kezek.booking.details import BookingDetails
from kezek.booking.identity import normalize_phone
from kezek.booking.reference import display_reference
from kezek.booking.schemas import BookingCreate, DocumentNumber
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n import as_language
from kezek.network import service as network_service
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.ratelimit import client_address
from kezek.web.calendar_file import calendar_file
from kezek.web.i18n import COOKIE, choose_language
from kezek.web.messages import field_message, problem_message, validation_messages
from kezek.web.pages import app_context, csrf_ok, form_text, render, secured

router = APIRouter(include_in_schema=False)
DAYS_SHOWN = 14
TOKEN_MAX_AGE = 24 * 3600  # a calendar link or a looked-up booking stays usable a day


def _tokens(context: AppContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(context.secret, salt="kezek.web.booking")


def _token(context: AppContext, booking: BookingDetails, proof: str) -> str:
    return _tokens(context).dumps([booking.reference, proof])


def _owner(context: AppContext, token: str) -> tuple[str, str] | None:
    try:
        reference, proof = _tokens(context).loads(token, max_age=TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(reference), str(proof)


@router.get("/")
def offices(request: Request) -> Response:
    context = app_context(request)
    found = network_service.active_offices(context)
    return render(request, context, "citizen/offices.html", offices=found)


@router.get("/book/{office_code}")
def services(request: Request, office_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    if office is None:
        return _not_found(request, context)
    return render(request, context, "citizen/services.html", office=office)


@router.get("/book/{office_code}/{service_code}")
def times(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
        if office is None or service_code not in {s.code for s in office.services}:
            return _not_found(request, context)
    days, chosen, slots = _free_days(context, office, service_code, request.query_params.get("day"))
    return render(
        request,
        context,
        "citizen/times.html",
        office=office,
        service=office.service(service_code),
        days=days,
        chosen=chosen,
        slots=slots,
        action=f"/book/{office.code}/{service_code}/details",
        token=None,
    )


@router.get("/book/{office_code}/{service_code}/details")
def details_form(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    start = _start(request.query_params.get("start"))
    if office is None or start is None or service_code not in {s.code for s in office.services}:
        return _not_found(request, context)
    return _details_page(request, context, office, office.service(service_code), start, {}, {})


@router.post("/book/{office_code}/{service_code}/details")
async def details_sent(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    form = await request.form()
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    start = _start(form_text(form, "start"))
    if office is None or start is None or service_code not in {s.code for s in office.services}:
        return _not_found(request, context)
    service = office.service(service_code)
    values = {name: form_text(form, name) for name in _FIELDS}
    if not csrf_ok(request, form):
        return _expired(request, context)
    language = choose_language(request)
    try:
        body = BookingCreate(
            office=office.code,
            service=service.code,
            start=start,
            document_number=values["document_number"],
            full_name=values["full_name"],
            phone=values["phone"],
            language=language,
            legal_stay_until=values["legal_stay_until"] or None,
        )
    except ValidationError as exc:
        errors = validation_messages(exc, language)
        body = None
    else:
        errors = {}
    # Checked here too, so that one answer names every field to correct.
    try:
        normalize_phone(values["phone"], region=office.country)
    except ValueError:
        errors.setdefault("phone", field_message("phone", language))
    if errors or body is None:
        return _details_page(request, context, office, service, start, values, errors, 422)
    try:
        booked = booking_service.create(
            context, request=body.as_request(), client=client_address(request)
        )
    except Problem as problem:
        field, message = problem_message(problem, language)
        errors = {field: message}
        status = 429 if problem.status == 429 else 409
        return _details_page(request, context, office, service, start, values, errors, status)
    proof = booking_service.proof_of(context, body.document_number)
    return _confirmation(request, context, booked.booking, proof, created=True)


@router.get("/booking/calendar.ics")
def calendar(request: Request, token: str = "") -> Response:
    context = app_context(request)
    booking = _booking_from_token(context, token)
    if booking is None:
        return _not_found(request, context)
    language = choose_language(request)
    body = calendar_file(booking, language=language, host=request.url.hostname or "kezek")
    return secured(
        Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="kezek-{display_reference(booking.reference)}.ics"'
                )
            },
        )
    )


@router.get("/booking/print")
def printable(request: Request, token: str = "") -> Response:
    context = app_context(request)
    booking = _booking_from_token(context, token)
    if booking is None:
        return _not_found(request, context)
    return render(request, context, "citizen/print.html", booking=booking, **_shown(booking))


@router.get("/manage")
def lookup_form(request: Request) -> Response:
    return render(request, app_context(request), "citizen/lookup.html", values={}, errors={})


@router.post("/manage")
async def lookup(request: Request) -> Response:
    context = app_context(request)
    form = await request.form()
    if not csrf_ok(request, form):
        return _expired(request, context)
    language = choose_language(request)
    values = {"reference": form_text(form, "reference")}
    try:
        number = _DOCUMENT.validate_python(form_text(form, "document_number"))
    except ValidationError:
        errors = {"document_number": field_message("document_number", language)}
        return render(
            request, context, "citizen/lookup.html", values=values, errors=errors, status=422
        )
    try:
        proof = booking_service.holder_proof(
            context, document_number=number, client=client_address(request)
        )
        booking = booking_service.look_up(context, reference=values["reference"], proof=proof)
    except Problem as problem:
        field, message = problem_message(problem, language)
        return render(
            request,
            context,
            "citizen/lookup.html",
            values=values,
            errors={field: message},
            status=problem.status,
        )
    return _confirmation(request, context, booking, proof, created=False)


@router.post("/manage/cancel")
async def cancel(request: Request) -> Response:
    context = app_context(request)
    form = await request.form()
    owner = _owner(context, form_text(form, "token"))
    if not csrf_ok(request, form) or owner is None:
        return _expired(request, context)
    reference, proof = owner
    try:
        booking = booking_service.cancel(context, reference=reference, proof=proof)
    except Problem as problem:
        return _problem_page(request, context, problem)
    return _confirmation(request, context, booking, proof, created=False)


@router.get("/manage/move")
def move_form(request: Request, token: str = "") -> Response:
    context = app_context(request)
    booking = _booking_from_token(context, token)
    if booking is None:
        return _expired(request, context)
    days, chosen, slots = _free_days(
        context, booking.office, booking.service.code, request.query_params.get("day")
    )
    return render(
        request,
        context,
        "citizen/times.html",
        office=booking.office,
        service=booking.service,
        days=days,
        chosen=chosen,
        slots=slots,
        action="/manage/move/confirm",
        token=token,
        moving=booking,
    )


@router.get("/manage/move/confirm")
def move_confirm(request: Request, token: str = "", start: str = "") -> Response:
    context = app_context(request)
    booking = _booking_from_token(context, token)
    when = _start(start)
    if booking is None or when is None:
        return _expired(request, context)
    return render(
        request,
        context,
        "citizen/move.html",
        booking=booking,
        token=token,
        start=when,
        **_shown(booking),
    )


@router.post("/manage/move")
async def move(request: Request) -> Response:
    context = app_context(request)
    form = await request.form()
    owner = _owner(context, form_text(form, "token"))
    when = _start(form_text(form, "start"))
    if not csrf_ok(request, form) or owner is None or when is None:
        return _expired(request, context)
    reference, proof = owner
    try:
        booking = booking_service.move(context, reference=reference, proof=proof, starts_at=when)
    except Problem as problem:
        return _problem_page(request, context, problem)
    return _confirmation(request, context, booking, proof, created=False, moved=True)


@router.get("/language/{code}")
def language(request: Request, code: str) -> Response:
    """The switch without JavaScript: remember the choice and go back where one was."""
    back = request.query_params.get("next", "/")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"  # only within this site
    response = RedirectResponse(back, status_code=303)
    if as_language(code):
        secure = app_context(request).settings.environment == "production"
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    return secured(response)


_FIELDS = ("full_name", "phone", "document_number", "legal_stay_until")
_DOCUMENT: TypeAdapter[str] = TypeAdapter(DocumentNumber)


def _start(text: str | None) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


def _office(session: Session, context: AppContext, code: str) -> OfficeInfo | None:
    try:
        office = context.directory.office(session, code)
    except Problem:
        return None
    return office if office.active else None


def _free_days(
    context: AppContext,
    office: OfficeInfo,
    service_code: str,
    asked: str | None,
) -> tuple[list[tuple[dt.date, int]], dt.date | None, list[Any]]:
    """The next days with free places and their counts, the day chosen, and its times."""
    today = dt.datetime.now(office.zone).date()
    last = today + dt.timedelta(days=DAYS_SHOWN - 1)
    found = booking_service.free_times(
        context, office=office.code, service=service_code, first=today, last=last
    )
    free = [slot for slot in found.slots if slot.available > 0]
    counts: dict[dt.date, int] = {}
    for slot in free:
        day = slot.starts_at.astimezone(office.zone).date()
        counts[day] = counts.get(day, 0) + 1
    days = sorted(counts.items())
    try:
        chosen: dt.date | None = dt.date.fromisoformat(asked or "")
    except ValueError:
        chosen = days[0][0] if days else None
    shown = [s for s in free if s.starts_at.astimezone(office.zone).date() == chosen]
    return days, chosen, shown


def _details_page(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    service: ServiceInfo,
    start: dt.datetime,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        context,
        "citizen/details.html",
        office=office,
        service=service,
        start=start,
        values=values,
        errors=errors,
        status=status,
    )


def _shown(booking: BookingDetails) -> dict[str, Any]:
    return {"reference": display_reference(booking.reference), "zone": booking.office.zone}


def _confirmation(
    request: Request,
    context: AppContext,
    booking: BookingDetails,
    proof: str,
    *,
    created: bool,
    moved: bool = False,
) -> Response:
    return render(
        request,
        context,
        "citizen/booking.html",
        booking=booking,
        token=_token(context, booking, proof),
        created=created,
        moved=moved,
        **_shown(booking),
    )


def _booking_from_token(context: AppContext, token: str) -> BookingDetails | None:
    owner = _owner(context, token)
    if owner is None:
        return None
    reference, proof = owner
    try:
        return booking_service.look_up(context, reference=reference, proof=proof)
    except Problem:
        return None


def _not_found(request: Request, context: AppContext) -> Response:
    return render(request, context, "citizen/message.html", kind="not_found", status=404)


def _expired(request: Request, context: AppContext) -> Response:
    return render(request, context, "citizen/message.html", kind="expired", status=403)


def _problem_page(request: Request, context: AppContext, problem: Problem) -> Response:
    _, message = problem_message(problem, choose_language(request))
    return render(
        request, context, "citizen/message.html", kind="problem", message=message, status=409
    )
