"""The citizen's booking pages: office, service, day and time, details, the booking itself.

Every step is a plain link or form, so the pages work with JavaScript off on any phone:
office → service → day and time → details → the booking's own page (reference, what to
know before coming, calendar file, printable page). The details form carries an
idempotency key, so a resent form (a reload, a double tap, a retry on a weak connection)
shows the same booking instead of refusing a second one; after it, the browser is sent to
the booking's own address, a signed token that holds no document number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking import service as booking_service
from kezek.booking.calendar_file import calendar_file
from kezek.booking.details import BookingDetails
from kezek.booking.identity import normalize_phone
from kezek.booking.reference import display_reference
from kezek.booking.rules import AlreadyBooked, IdempotencyKeyReused, check_bookable_time
from kezek.booking.schemas import BookingCreate
from kezek.booking.visit import visit_advice
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n import as_language
from kezek.i18n.formats import Formats
from kezek.network import service as network_service
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.ratelimit import client_address
from kezek.types import utcnow
from kezek.web.booking_links import booking_from_token, booking_token
from kezek.web.i18n import COOKIE, choose_language
from kezek.web.messages import EXAMPLE_DAY, field_message, problem_message, validation_messages
from kezek.web.pages import (
    app_context,
    csrf_ok,
    form_request_key,
    form_text,
    local_address,
    new_request_key,
    offices_in_order,
    render,
)
from kezek.web.week import week_of

router = APIRouter(include_in_schema=False)
_FIELDS = ("full_name", "phone", "document_number", "legal_stay_until")


@router.get("/")
def offices(request: Request) -> Response:
    context = app_context(request)
    language = choose_language(request)
    found = offices_in_order(network_service.active_offices(context), language)
    return render(request, context, "citizen/offices.html", offices=found)


@router.get("/book/{office_code}")
def services(request: Request, office_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    if office is None:
        return not_found(request, context)
    return render(request, context, "citizen/services.html", office=office)


@router.get("/book/{office_code}/{service_code}")
def times(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    if office is None or service_code not in {s.code for s in office.services}:
        return not_found(request, context)
    return times_page(
        request,
        context,
        office=office,
        service=office.service(service_code),
        action=f"/book/{office.code}/{service_code}/details",
        token=None,
    )


def times_page(
    request: Request,
    context: AppContext,
    *,
    office: OfficeInfo,
    service: ServiceInfo,
    action: str,
    token: str | None,
    moving: BookingDetails | None = None,
) -> Response:
    """The day strip and the free times: for a new booking, or for moving one."""
    week = week_of(
        context,
        office,
        service.code,
        day=request.query_params.get("day"),
        week=request.query_params.get("week"),
    )
    return render(
        request,
        context,
        "citizen/times.html",
        office=office,
        service=service,
        week=week,
        horizon_days=context.rules.horizon_days,
        action=action,
        token=token,
        moving=moving,
    )


@router.get("/book/{office_code}/{service_code}/details")
def details_form(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    start = parse_start(request.query_params.get("start"))
    if office is None or start is None or service_code not in {s.code for s in office.services}:
        return not_found(request, context)
    service = office.service(service_code)
    # A time past, too soon, too far, off the office's hours or full (a stale or typed
    # link): said before the form is filled in, not after.
    try:
        check_bookable_time(office.plan, starts_at=start, now=utcnow(), rules=context.rules)
        free = _has_a_place(context, office, service, start)
    except Problem as problem:
        message = problem_message(problem, choose_language(request))[1]
    else:
        if free:
            return _details_page(
                request, context, office, service, start, {}, {}, new_request_key()
            )
        message = field_message("start", choose_language(request))
    return render(
        request,
        context,
        "citizen/message.html",
        kind="problem",
        message=message,
        back=f"/book/{office.code}/{service.code}",
        status=422,
    )


def _has_a_place(
    context: AppContext, office: OfficeInfo, service: ServiceInfo, start: dt.datetime
) -> bool:
    day = start.astimezone(office.zone).date()
    found = booking_service.free_times(
        context, office=office.code, service=service.code, first=day, last=day
    )
    return any(slot.starts_at == start and slot.available > 0 for slot in found.slots)


@router.post("/book/{office_code}/{service_code}/details")
async def details_sent(request: Request, office_code: str, service_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_details_sent, request, form, office_code, service_code)


def _details_sent(
    request: Request, form: FormData, office_code: str, service_code: str
) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = _office(session, context, office_code)
    start = parse_start(form_text(form, "start") or request.query_params.get("start"))
    if office is None or start is None or service_code not in {s.code for s in office.services}:
        return not_found(request, context)
    if not csrf_ok(request, form):
        return expired(request, context)
    service = office.service(service_code)
    values = {name: form_text(form, name) for name in _FIELDS}
    # The same key again when the form is shown again, so that a resend still acts once.
    key = form_request_key(form) or new_request_key()
    language = choose_language(request)
    body, errors = _booking_body(office, service, start, values, language)
    if body is None:
        return _details_page(request, context, office, service, start, values, errors, key, 422)
    try:
        booked = booking_service.create(
            context, request=body.as_request(), client=client_address(request), idempotency_key=key
        )
    except Problem as problem:
        if isinstance(problem, AlreadyBooked) and (same := _same_booking(request, body, office)):
            # The form sent again after going back to it (a new key): the booking it made.
            return see_booking(
                context, same, booking_service.proof_of(context, body.document_number), "booked"
            )
        field, message = problem_message(problem, language)
        status = 429 if problem.status == 429 else 409
        # Booked already: the way to the booking there is, reference or not.
        found = isinstance(problem, AlreadyBooked | IdempotencyKeyReused)
        return _details_page(
            request, context, office, service, start, values, {field: message}, key, status, found
        )
    proof = booking_service.proof_of(context, body.document_number)
    return see_booking(context, booked.booking, proof, "booked")


def _same_booking(
    request: Request, body: BookingCreate, office: OfficeInfo
) -> BookingDetails | None:
    """The holder's active booking for this very office, service and time, if any: found by
    document number and phone together, as a lost reference is."""
    try:
        phone = normalize_phone(body.phone, region=office.country)
        held = booking_service.recover(
            app_context(request),
            document_number=body.document_number,
            phones={phone},
            client=client_address(request),
        )
    except (ValueError, Problem):
        return None
    return next(
        (
            booking
            for booking in held
            if booking.office.code == body.office
            and booking.service.code == body.service
            and booking.starts_at == body.start
        ),
        None,
    )


def _booking_body(
    office: OfficeInfo,
    service: ServiceInfo,
    start: dt.datetime,
    values: Mapping[str, str],
    language: str,
) -> tuple[BookingCreate | None, dict[str, str]]:
    """The request, or every field to correct in one answer."""
    errors: dict[str, str] = {}
    stay = read_day(values["legal_stay_until"])
    if stay is False:
        errors["legal_stay_until"] = field_message("legal_stay_until", language)
    body = None
    try:
        body = BookingCreate(
            office=office.code,
            service=service.code,
            start=start,
            document_number=values["document_number"],
            full_name=values["full_name"],
            phone=values["phone"],
            language=as_language(language) or "ru",
            legal_stay_until=stay or None,
        )
    except ValidationError as exc:
        errors = validation_messages(exc, language) | errors
    try:
        normalize_phone(values["phone"], region=office.country)
    except ValueError:
        errors.setdefault("phone", field_message("phone", language))
    return (None, errors) if errors else (body, errors)


def see_booking(context: AppContext, booking: BookingDetails, proof: str, done: str) -> Response:
    """After a change, the booking's own page (303): a reload or a shared link shows it
    again rather than repeating the change."""
    token = booking_token(context, booking, proof)
    return RedirectResponse(f"/booking/{token}?done={done}", status_code=303)


@router.get("/booking/{token}")
def booking_page(request: Request, token: str) -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return expired(request, context)
    done = request.query_params.get("done", "")
    return render(
        request,
        context,
        "citizen/booking.html",
        booking=booking,
        token=token,
        done=done if done in ("booked", "moved", "cancelled", "found") else "",
        **booking_facts(booking),
    )


@router.get("/booking/{token}/calendar.ics")
def calendar(request: Request, token: str) -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return not_found(request, context)
    language = choose_language(request)
    body = calendar_file(
        booking,
        language=language,
        host=request.url.hostname or "kezek",
        page=f"{request.base_url}booking/{token}",
        advice=visit_advice(booking.office, booking.starts_at),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="kezek-{display_reference(booking.reference)}.ics"'
            )
        },
    )


@router.get("/booking/{token}/print")
def printable(request: Request, token: str) -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return not_found(request, context)
    return render(
        request,
        context,
        "citizen/print.html",
        booking=booking,
        token=token,
        **booking_facts(booking),
    )


@router.get("/language/{code}")
def language(request: Request, code: str) -> Response:
    """The switch without JavaScript: remember the choice and go back where one was."""
    response = RedirectResponse(local_address(request.query_params.get("next")), 303)
    if as_language(code):
        secure = app_context(request).settings.environment == "production"
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    return response


def booking_facts(booking: BookingDetails) -> dict[str, Any]:
    """What every page of a booking shows besides the booking: the reference as people read
    it, the office's zone, and the advice for the visit."""
    return {
        "reference": display_reference(booking.reference),
        "zone": booking.office.zone,
        "advice": visit_advice(booking.office, booking.starts_at),
    }


def parse_start(text: str | None) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


_HAND_WRITTEN_DAY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def read_day(text: str) -> str | bool:
    """A date as a date field sends it (2025-09-10) or as people write it (10.09.2025):
    its ISO form, "" for none, or False when it is no date."""
    text = text.strip()
    if not text:
        return ""
    written = _HAND_WRITTEN_DAY.fullmatch(text)
    try:
        if written:
            day, month, year = (int(part) for part in written.groups())
            return dt.date(year, month, day).isoformat()
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return False


def _office(session: Session, context: AppContext, code: str) -> OfficeInfo | None:
    try:
        office = context.directory.office(session, code)
    except Problem:
        return None
    return office if office.active else None


def _details_page(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    service: ServiceInfo,
    start: dt.datetime,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    key: str,
    status: int = 200,
    booked_already: bool = False,
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
        key=key,
        booked_already=booked_already,
        # A date written as the reader writes one (10.09.2025): any phone types it.
        date_example=Formats(choose_language(request)).numeric_day(EXAMPLE_DAY),
        status=status,
    )


def not_found(request: Request, context: AppContext) -> Response:
    return render(request, context, "citizen/message.html", kind="not_found", status=404)


def expired(request: Request, context: AppContext) -> Response:
    return render(request, context, "citizen/message.html", kind="expired", status=403)
