"""Finding a booking again, and moving or cancelling it.

Finding asks for the reference and the document number once (the short link in every SMS,
``/b/REF``, opens the form with the reference filled in); a lost reference is found
with the document number and the phone given when booking, and a wrong pair is answered
exactly like a pair without bookings. The pages after that carry the booking's signed
token (``kezek.web.booking_links``). Cancelling asks to confirm first: it cannot be undone,
and the place goes to someone else.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking import service as booking_service
from kezek.booking.details import BookingDetails
from kezek.booking.identity import normalize_phone
from kezek.booking.models import BookingStatus
from kezek.booking.reference import display_reference, normalize_reference
from kezek.booking.schemas import DocumentNumber
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.ratelimit import client_address
from kezek.web.booking_links import booking_from_token, booking_token, token_owner
from kezek.web.booking_pages import booking_facts, expired, parse_start, see_booking
from kezek.web.citizen import times_page
from kezek.web.i18n import choose_language
from kezek.web.messages import field_message, problem_message, validation_messages
from kezek.web.pages import app_context, csrf_ok, form_text, render

router = APIRouter(include_in_schema=False)
_DOCUMENT: TypeAdapter[str] = TypeAdapter(DocumentNumber)


@router.get("/manage")
def lookup_form(request: Request, reference: str = "") -> Response:
    """The look-up form; a reference in the address (from ``/b/REF``) is filled in."""
    values = {"reference": _readable_reference(reference)} if reference else {}
    return render(request, app_context(request), "citizen/lookup.html", values=values, errors={})


@router.get("/b/{reference}")
def short_link(reference: str) -> Response:
    """The short link in every SMS: the look-up form with the reference filled in. Whether
    such a booking exists is not said, known or not: the document number is still asked."""
    readable = _readable_reference(reference)
    target = f"/manage?reference={quote(readable)}" if readable else "/manage"
    return RedirectResponse(target, status_code=303)


def _readable_reference(typed: str) -> str:
    """A reference as people read it (7KQ2-M9XD), or "" when it cannot be one."""
    try:
        return display_reference(normalize_reference(typed[:32]))
    except ValueError:
        return ""


@router.post("/manage")
async def lookup(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_lookup, request, form)


def _lookup(request: Request, form: FormData) -> Response:
    context = app_context(request)
    if not csrf_ok(request, form):
        return expired(request, context)
    language = choose_language(request)
    values = {"reference": form_text(form, "reference")}
    try:
        number = _DOCUMENT.validate_python(form_text(form, "document_number"))
    except ValidationError as exc:
        errors = validation_messages(exc, language, field_of_value="document_number")
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
    return see_booking(context, booking, proof, "found")


@router.get("/manage/forgot")
def forgot_form(request: Request) -> Response:
    context = app_context(request)
    return render(request, context, "citizen/forgot.html", values={}, errors={}, found=None)


@router.post("/manage/forgot")
async def forgot(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_forgot, request, form)


def _forgot(request: Request, form: FormData) -> Response:
    """Bookings by document number and phone, for a citizen who lost the reference."""
    context = app_context(request)
    if not csrf_ok(request, form):
        return expired(request, context)
    language = choose_language(request)
    values = {"phone": form_text(form, "phone")}
    errors: dict[str, str] = {}
    try:
        number = _DOCUMENT.validate_python(form_text(form, "document_number"))
    except ValidationError as exc:
        errors = validation_messages(exc, language, field_of_value="document_number")
    phones = _phone_readings(context, values["phone"])
    if not phones:
        errors["phone"] = field_message("phone", language)
    if errors:
        return render(
            request,
            context,
            "citizen/forgot.html",
            values=values,
            errors=errors,
            found=None,
            status=422,
        )
    try:
        found = booking_service.recover(
            context, document_number=number, phones=phones, client=client_address(request)
        )
    except Problem as problem:
        field, message = problem_message(problem, language)
        return render(
            request,
            context,
            "citizen/forgot.html",
            values=values,
            errors={field: message},
            found=None,
            status=problem.status,
        )
    proof = booking_service.proof_of(context, number)
    links = [(booking, booking_token(context, booking, proof)) for booking in found]
    return render(
        request,
        context,
        "citizen/forgot.html",
        values=values,
        errors={},
        found=links,
        status=200 if links else 404,
    )


def _phone_readings(context: AppContext, typed: str) -> set[str]:
    """The phone as typed, read in each country the network's offices are in: a number
    written without its country code was read in the office's country when booking."""
    with read_session(context.sessions) as session:
        countries = {office.country for office in context.directory.offices(session)}
    readings = set()
    for country in sorted(countries | {"RU", "KG"}):
        try:
            readings.add(normalize_phone(typed, region=country))
        except ValueError:
            continue
    return readings


@router.get("/manage/cancel")
def cancel_confirm(request: Request, token: str = "") -> Response:
    """Are you sure? The page that stands between one tap and a place given away."""
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return expired(request, context)
    if booking.status != BookingStatus.confirmed:  # cancelled already: nothing to ask
        return RedirectResponse(f"/booking/{token}", status_code=303)
    return render(
        request,
        context,
        "citizen/cancel.html",
        booking=booking,
        token=token,
        **booking_facts(booking),
    )


@router.post("/manage/cancel")
async def cancel(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_cancel, request, form)


def _cancel(request: Request, form: FormData) -> Response:
    context = app_context(request)
    owner = token_owner(context, form_text(form, "token"))
    if not csrf_ok(request, form) or owner is None:
        return expired(request, context)
    reference, proof = owner
    try:
        booking = booking_service.cancel(context, reference=reference, proof=proof)
    except Problem as problem:
        # Sent twice (a double tap with JavaScript off, or the form sent again after going
        # back): the first cancelled it, and the page says so rather than "it did not work".
        cancelled = _cancelled_already(context, reference, proof)
        if cancelled is None:
            return _problem_page(request, context, problem)
        booking = cancelled
    return see_booking(context, booking, proof, "cancelled")


def _cancelled_already(context: AppContext, reference: str, proof: str) -> BookingDetails | None:
    try:
        booking = booking_service.look_up(context, reference=reference, proof=proof)
    except Problem:
        return None
    return booking if booking.status == BookingStatus.cancelled else None


@router.get("/manage/move")
def move_form(request: Request, token: str = "") -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return expired(request, context)
    return times_page(
        request,
        context,
        office=booking.office,
        service=booking.service,
        action="/manage/move/confirm",
        token=token,
        moving=booking,
    )


@router.get("/manage/move/confirm")
def move_confirm(request: Request, token: str = "", start: str = "") -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    when = parse_start(start)
    if booking is None or when is None:
        return expired(request, context)
    return render(
        request,
        context,
        "citizen/move.html",
        booking=booking,
        token=token,
        start=when,
        **booking_facts(booking),
    )


@router.post("/manage/move")
async def move(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_move, request, form)


def _move(request: Request, form: FormData) -> Response:
    context = app_context(request)
    owner = token_owner(context, form_text(form, "token"))
    when = parse_start(form_text(form, "start"))
    if not csrf_ok(request, form) or owner is None or when is None:
        return expired(request, context)
    reference, proof = owner
    try:
        booking = booking_service.move(context, reference=reference, proof=proof, starts_at=when)
    except Problem as problem:
        return _problem_page(request, context, problem)
    return see_booking(context, booking, proof, "moved")


def _problem_page(request: Request, context: AppContext, problem: Problem) -> Response:
    _, message = problem_message(problem, choose_language(request))
    return render(
        request, context, "citizen/message.html", kind="problem", message=message, status=409
    )
