"""The details form of a booking, and the phone code some offices ask for before it.

The form carries an idempotency key, so a resent form (a reload, a double tap, a retry on a
weak connection) shows the same booking instead of refusing a second one; after it, the
browser is sent to the booking's own address, a signed token that holds no document number.

Where an office wants the phone proven, the form's answer is a page with a code field: the
code is sent by SMS, the details ride along sealed in the page (``kezek.web.pending``), and
the right code books at once. The page also sends the code again and changes the number.
Every step is a plain form, so it works with JavaScript off; with it, HTMX swaps the same
forms in place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from kezek.booking import service as booking_service
from kezek.booking.contacts import normalize_email
from kezek.booking.details import BookingDetails, BookingRequest
from kezek.booking.identity import normalize_phone
from kezek.booking.rules import AlreadyBooked, IdempotencyKeyReused, check_bookable_time
from kezek.booking.schemas import BookingCreate
from kezek.booking.visit_text import shown_phone
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n import as_language
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.notify.models import Channel
from kezek.ratelimit import TooManyRequests, client_address
from kezek.types import utcnow
from kezek.web.booking_pages import (
    expired,
    not_found,
    open_office,
    parse_start,
    read_day,
    see_booking,
)
from kezek.web.i18n import choose_language
from kezek.web.messages import EXAMPLE_DAY, field_message, problem_message, validation_messages
from kezek.web.pages import (
    app_context,
    csrf_ok,
    form_request_key,
    form_text,
    new_request_key,
    render,
)
from kezek.web.pending import Pending, seal, unseal

router = APIRouter(include_in_schema=False)
FIELDS = ("full_name", "phone", "email", "document_number", "legal_stay_until")
_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class Step:
    """Where the form is: the office, service and time it books, and its idempotency key."""

    office: OfficeInfo
    service: ServiceInfo
    start: dt.datetime
    key: str


@router.get("/book/{office_code}/{service_code}/details")
def details_form(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = open_office(session, context, office_code)
    start = parse_start(request.query_params.get("start"))
    if office is None or start is None or service_code not in {s.code for s in office.services}:
        return not_found(request, context)
    step = Step(office, office.service(service_code), start, new_request_key())
    # A time past, too soon, too far, off the office's hours or full (a stale or typed
    # link): said before the form is filled in, not after.
    try:
        check_bookable_time(office.plan, starts_at=start, now=utcnow(), rules=context.rules)
        free = _has_a_place(context, step)
    except Problem as problem:
        message = problem_message(problem, choose_language(request))[1]
    else:
        if free:
            return details_page(request, context, step, {}, {})
        message = field_message("start", choose_language(request))
    return render(
        request,
        context,
        "citizen/message.html",
        kind="problem",
        message=message,
        back=f"/book/{office.code}/{service_code}",
        status=422,
    )


def _has_a_place(context: AppContext, step: Step) -> bool:
    day = step.start.astimezone(step.office.zone).date()
    found = booking_service.free_times(
        context, office=step.office.code, service=step.service.code, first=day, last=day
    )
    return any(slot.starts_at == step.start and slot.available > 0 for slot in found.slots)


@router.post("/book/{office_code}/{service_code}/details")
async def details_sent(request: Request, office_code: str, service_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_details_sent, request, form, office_code, service_code)


def _details_sent(
    request: Request, form: FormData, office_code: str, service_code: str
) -> Response:
    context = app_context(request)
    start = form_text(form, "start") or request.query_params.get("start")
    step = _step(context, office_code, service_code, start, form_request_key(form))
    if step is None:
        return not_found(request, context)
    if not csrf_ok(request, form):
        return expired(request, context)
    values = {name: form_text(form, name) for name in FIELDS}
    language = choose_language(request)
    booking, errors = booking_request(context, step, values, language)
    if booking is None:
        return details_page(request, context, step, values, errors, status=422)
    proof = form_text(form, "phone_proof") or None
    if proof is None and booking_service.phone_check_needed(context, office=step.office.code):
        return _send_code(request, context, step, values, booking.document_number)
    return _book(request, context, step, values, booking, proof)


def _step(
    context: AppContext, office_code: str, service_code: str, start: str | None, key: str | None
) -> Step | None:
    with read_session(context.sessions) as session:
        office = open_office(session, context, office_code)
    when = parse_start(start)
    if office is None or when is None or service_code not in {s.code for s in office.services}:
        return None
    # The same key again when the form is shown again, so that a resend still acts once.
    return Step(office, office.service(service_code), when, key or new_request_key())


def _book(
    request: Request,
    context: AppContext,
    step: Step,
    values: Mapping[str, str],
    booking: BookingRequest,
    proof: str | None,
) -> Response:
    """Book, or show the form again with what stopped it."""
    language = choose_language(request)
    try:
        booked = booking_service.create(
            context,
            request=booking,
            client=client_address(request),
            idempotency_key=step.key,
            phone_proof=proof,
        )
    except Problem as problem:
        if problem.field == "phone" and problem.code == "phone_not_verified":
            # No proof, or one for another number: the code goes to the number typed now.
            return _send_code(request, context, step, values, booking.document_number)
        if isinstance(problem, AlreadyBooked) and (same := _same_booking(request, booking)):
            # The form sent again after going back to it (a new key): the booking it made.
            return see_booking(
                context, same, booking_service.proof_of(context, booking.document_number), "booked"
            )
        field, message = problem_message(problem, language)
        status = 429 if problem.status == 429 else 409
        # Booked already: the way to the booking there is, reference or not.
        found = isinstance(problem, AlreadyBooked | IdempotencyKeyReused)
        errors = {field: message}
        return details_page(request, context, step, values, errors, status, found, proof)
    owner = booking_service.proof_of(context, booking.document_number)
    return see_booking(context, booked.booking, owner, "booked")


def _same_booking(request: Request, booking: BookingRequest) -> BookingDetails | None:
    """The holder's active booking for this very office, service and time, if any: found by
    document number and phone together, as a lost reference is."""
    context = app_context(request)
    try:
        with read_session(context.sessions) as session:
            country = context.directory.office(session, booking.office).country
        held = booking_service.recover(
            context,
            document_number=booking.document_number,
            phones={normalize_phone(booking.phone, region=country)},
            client=client_address(request),
        )
    except (ValueError, Problem):
        return None
    return next(
        (
            found
            for found in held
            if found.office.code == booking.office
            and found.service.code == booking.service
            and found.starts_at == booking.starts_at
        ),
        None,
    )


def booking_request(
    context: AppContext, step: Step, values: Mapping[str, str], language: str
) -> tuple[BookingRequest | None, dict[str, str]]:
    """The request, or every field to correct in one answer."""
    errors: dict[str, str] = {}
    stay = read_day(values["legal_stay_until"])
    if stay is False:
        errors["legal_stay_until"] = field_message("legal_stay_until", language)
    # Asked for only where e-mail goes out: an address typed anyway is not kept.
    email = values.get("email", "") if context.rules.notify.on(Channel.email) else ""
    try:
        email = normalize_email(email) if email else ""
    except ValueError:
        errors["email"] = translations(language).gettext(
            "Write the e-mail address in full, like name@example.com, or leave the field empty."
        )
        email = ""
    body = None
    try:
        body = BookingCreate(
            office=step.office.code,
            service=step.service.code,
            start=step.start,
            document_number=values["document_number"],
            full_name=values["full_name"],
            phone=values["phone"],
            language=as_language(language) or "ru",
            legal_stay_until=stay or None,
            **({"email": email} if email else {}),
        )
    except ValidationError as exc:
        errors = validation_messages(exc, language) | errors
    try:
        normalize_phone(values["phone"], region=step.office.country)
    except ValueError:
        errors.setdefault("phone", field_message("phone", language))
    if errors or body is None:
        return None, errors
    return body.as_request(), errors


def details_page(
    request: Request,
    context: AppContext,
    step: Step,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
    booked_already: bool = False,
    proof: str | None = None,
) -> Response:
    channels = context.rules.notify
    return render(
        request,
        context,
        "citizen/details.html",
        office=step.office,
        service=step.service,
        start=step.start,
        values=values,
        errors=errors,
        key=step.key,
        booked_already=booked_already,
        phone_proof=proof or "",
        sms_on=channels.on(Channel.sms),
        email_on=channels.on(Channel.email),
        code_check=booking_service.phone_check_needed(context, office=step.office.code),
        # A date written as the reader writes one (10.09.2025): any phone types it.
        date_example=Formats(choose_language(request)).numeric_day(EXAMPLE_DAY),
        status=status,
    )


def _send_code(
    request: Request,
    context: AppContext,
    step: Step,
    values: Mapping[str, str],
    document_number: str,
    *,
    again: bool = False,
) -> Response:
    """Send a code to the phone typed, and ask for it; the form rides along sealed."""
    language = choose_language(request)
    try:
        sent = booking_service.send_phone_code(
            context,
            office=step.office.code,
            phone=values["phone"],
            language=language,
            client=client_address(request),
        )
    except Problem as problem:
        message = phone_message(problem, language)
        if again:  # asked from the code page: the answer stays there
            pending = Pending(step.start.isoformat(), step.key, values, document_number)
            errors = {"again": message}
            return code_page(request, context, step, pending, values["phone"], errors, 429)
        return details_page(request, context, step, values, {"phone": message}, problem.status)
    pending = Pending(step.start.isoformat(), step.key, values, document_number)
    return code_page(request, context, step, pending, sent.phone, {}, sent_again=again)


def phone_message(problem: Problem, language: str) -> str:
    gettext = translations(language).gettext
    if isinstance(problem, TooManyRequests) or problem.status == 429:
        return gettext(
            "Too many codes were asked for this number. Wait a few minutes, then ask again."
        )
    if problem.code == "sms_unavailable":
        return gettext(
            "No SMS can be sent at the moment, so the number cannot be confirmed now. "
            "Try again later, or ask the office."
        )
    return field_message("phone", language)


def code_page(
    request: Request,
    context: AppContext,
    step: Step,
    pending: Pending,
    phone: str,
    errors: Mapping[str, str],
    status: int = 200,
    *,
    sent_again: bool = False,
    typed_phone: str = "",
) -> Response:
    return render(
        request,
        context,
        "citizen/phone_code.html",
        office=step.office,
        service=step.service,
        start=step.start,
        pending=seal(context.secret, pending),
        phone=_readable_phone(phone, step.office),
        typed_phone=typed_phone or pending.values.get("phone", ""),
        errors=errors,
        sent_again=sent_again,
        status=status,
    )


def _readable_phone(phone: str, office: OfficeInfo) -> str:
    """The number as people read it (+996 555 123 456), however it was typed."""
    try:
        return shown_phone(normalize_phone(phone, region=office.country))
    except ValueError:
        return phone


@router.post("/book/{office_code}/{service_code}/details/code")
async def code_sent(request: Request, office_code: str, service_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_code_sent, request, form, office_code, service_code)


def _code_sent(request: Request, form: FormData, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, office_code, service_code)
    if isinstance(carried, Response):
        return carried
    step, pending = carried
    language = choose_language(request)
    phone = pending.values["phone"]
    code = re.sub(r"[\s-]", "", form_text(form, "code"))
    if not _CODE.fullmatch(code):  # a slip of the thumb costs none of the code's tries
        message = translations(language).gettext("Type the 6 digits from the SMS.")
        return code_page(request, context, step, pending, phone, {"code": message}, 422)
    values = {**pending.values, "document_number": pending.document_number}
    booking, errors = booking_request(context, step, values, language)
    if booking is None:
        return details_page(request, context, step, values, errors, status=422)
    try:
        proof = booking_service.confirm_phone(
            context, office=step.office.code, phone=phone, code=code, client=client_address(request)
        )
    except Problem as problem:
        message = code_message(problem, language)
        # The code sent twice (a double tap): the first one was used, and booked.
        used = "expired" in problem.detail or "never sent" in problem.detail
        if used and (same := _same_booking(request, booking)):
            owner = booking_service.proof_of(context, booking.document_number)
            return see_booking(context, same, owner, "booked")
        return code_page(request, context, step, pending, phone, {"code": message}, 422)
    return _book(request, context, step, values, booking, proof)


def code_message(problem: Problem, language: str) -> str:
    """What to do about a refused code. The domain says why in English for developers, and
    how many tries are left; the page says it in the reader's language."""
    gettext = translations(language).gettext
    detail = problem.detail.lower()
    left = problem.extra.get("tries_left")
    if isinstance(problem, TooManyRequests):
        return gettext("Too many attempts. Wait a little and try again.")
    if isinstance(left, int) and left > 0:
        return translations(language).ngettext(
            "The code is not right. Check the SMS and type its 6 digits (%(num)d try left).",
            "The code is not right. Check the SMS and type its 6 digits (%(num)d tries left).",
            left,
        ) % {"num": left}
    if "expired" in detail or "never sent" in detail:
        return gettext("This code no longer works. Ask for a new code below.")
    if left == 0:
        return gettext("Too many wrong codes. Ask for a new code below.")
    return gettext("The code is not right. Check the SMS and type its 6 digits.")


@router.post("/book/{office_code}/{service_code}/details/again")
async def code_again(request: Request, office_code: str, service_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_code_again, request, form, office_code, service_code)


def _code_again(request: Request, form: FormData, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, office_code, service_code)
    if isinstance(carried, Response):
        return carried
    step, pending = carried
    return _send_code(request, context, step, pending.values, pending.document_number, again=True)


@router.post("/book/{office_code}/{service_code}/details/phone")
async def number_changed(request: Request, office_code: str, service_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_number_changed, request, form, office_code, service_code)


def _number_changed(
    request: Request, form: FormData, office_code: str, service_code: str
) -> Response:
    """Another number for the code (a typo in the first): the code goes to it."""
    context = app_context(request)
    carried = _carried(request, context, form, office_code, service_code)
    if isinstance(carried, Response):
        return carried
    step, pending = carried
    typed = form_text(form, "phone")
    try:
        normalize_phone(typed, region=step.office.country)
    except ValueError:
        message = field_message("phone", choose_language(request))
        errors = {"phone": message}
        phone = pending.values["phone"]
        return code_page(request, context, step, pending, phone, errors, 422, typed_phone=typed)
    values = {**pending.values, "phone": typed}
    return _send_code(request, context, step, values, pending.document_number)


def _carried(
    request: Request, context: AppContext, form: FormData, office_code: str, service_code: str
) -> tuple[Step, Pending] | Response:
    """The form a code page carries, or the page that says to start again."""
    pending = unseal(context.secret, form_text(form, "pending"))
    if pending is None or not csrf_ok(request, form):
        return expired(request, context)
    step = _step(context, office_code, service_code, pending.start, pending.key)
    if step is None:
        return not_found(request, context)
    return step, pending
