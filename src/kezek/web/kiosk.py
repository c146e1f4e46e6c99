"""The kiosk by the door: a ticket for a service, a priority ticket, or a booking checked in.

It runs signed in as a kiosk account (or any staff of the office) and has no link off
itself. The receipt shows the ticket's number, its service, and a QR code of the holder's
own page with a short address to type instead. It prints as it appears, and again on a
tap (the paper jammed); after a minute the screen is the next person's, with JavaScript
or without.

Where the office gives tickets to phones, the kiosk also checks them in (the ticket's
number and the phone's last four digits), and its idle screen shows the door's code of
the day in large digits, which a holder may type on the ticket's page instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking.schemas import DocumentNumber
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.network.directory import OfficeInfo
from kezek.queue import service as queue_service
from kezek.queue.closing import is_closed
from kezek.queue.schemas import CheckInBody, IssuedPublic, WalkIn
from kezek.staff.members import Staff
from kezek.web.i18n import choose_language
from kezek.web.messages import field_message, problem_message, validation_messages
from kezek.web.pages import app_context, form_request_key, form_text, render
from kezek.web.qr import qr_svg
from kezek.web.staff_pages import staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)
_DOCUMENT: TypeAdapter[str] = TypeAdapter(DocumentNumber)


@router.get("/kiosk/{office_code}")
def kiosk(request: Request, office_code: str) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code, at_kiosk=True)
    if isinstance(staff, Response):
        return staff
    office = _office(context, office_code)
    group = request.query_params.get("group")
    return _kiosk_page(request, context, office, staff, group=group)


@router.post("/kiosk/{office_code}/ticket")
async def kiosk_ticket(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_kiosk_ticket, request, form, office_code)


def _kiosk_ticket(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    sent = _kiosk_form(request, form, context, office_code)
    if isinstance(sent, Response):
        return sent
    staff, form, office = sent
    group = form_text(form, "group") or None
    try:
        walk_in = WalkIn(service=form_text(form, "service"), group=group)
        issued = queue_service.issue(
            context,
            staff=staff,
            office=office_code,
            service=walk_in.service,
            group=walk_in.group,
            key=form_request_key(form),
        ).value
    except (Problem, ValidationError) as exc:
        language = choose_language(request)
        message = problem_message(exc, language)[1] if isinstance(exc, Problem) else ""
        errors = {"": message or field_message("", language)}
        return _kiosk_page(request, context, office, staff, group=group, errors=errors, status=409)
    return receipt(request, context, office, issued, back=f"/kiosk/{office.code}")


@router.post("/kiosk/{office_code}/check-in")
async def kiosk_check_in(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_kiosk_check_in, request, form, office_code)


def _kiosk_check_in(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    sent = _kiosk_form(request, form, context, office_code)
    if isinstance(sent, Response):
        return sent
    staff, form, office = sent
    language = choose_language(request)
    reference = form_text(form, "reference")
    try:
        number = _DOCUMENT.validate_python(form_text(form, "document_number"))
        body = CheckInBody(reference=reference)
        issued = queue_service.check_in(
            context,
            staff=staff,
            office=office_code,
            reference=body.reference,
            document_number=number,
            key=form_request_key(form),
        ).value
    except ValidationError as exc:
        errors = validation_messages(exc, language, field_of_value="document_number")
        return _kiosk_page(
            request, context, office, staff, errors=errors, reference=reference, status=422
        )
    except Problem as problem:
        field, message = problem_message(problem, language)
        return _kiosk_page(
            request,
            context,
            office,
            staff,
            errors={field: message},
            reference=reference,
            status=409,
        )
    return receipt(request, context, office, issued, back=f"/kiosk/{office.code}")


def _kiosk_form(
    request: Request, form: FormData, context: AppContext, office_code: str
) -> tuple[Staff, FormData, OfficeInfo] | Response:
    """Who sent the kiosk's form, what it holds, and for which office; or the refusal."""
    checked = staff_form(request, form, office_code=office_code, at_kiosk=True)
    if isinstance(checked, Response):
        return checked
    staff, form = checked
    return staff, form, _office(context, office_code)


def _office(context: AppContext, code: str) -> OfficeInfo:
    with read_session(context.sessions) as session:
        return context.directory.office(session, code)


def _kiosk_page(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    staff: Staff,
    *,
    group: str | None = None,
    errors: dict[str, str] | None = None,
    reference: str = "",
    status: int = 200,
) -> Response:
    chosen = next((g for g in office.groups if g.code == group), None)
    with read_session(context.sessions) as session:
        today = context.clock().astimezone(office.zone).date()
        closed = is_closed(session, office=office, day=today)
    return render(
        request,
        context,
        "staff/kiosk.html",
        office=office,
        group=chosen,
        closed=closed,  # the line has closed: check-in only
        # On the idle screen only, where the holders of tickets from phones look for it.
        door=_door_code(context, office, staff) if not (closed or chosen) else None,
        errors=errors or {},
        reference=reference,
        status=status,
    )


def _door_code(context: AppContext, office: OfficeInfo, staff: Staff) -> str | None:
    """Today's door code where the office gives tickets to phones, else None."""
    if office.remote is None:
        return None
    return queue_service.door_code_today(context, staff=staff, office=office.code).code


@router.get("/kiosk/{office_code}/door-code")
def kiosk_door_code(request: Request, office_code: str) -> Response:
    """The code's block alone: the idle screen asks for it again now and then, so that the
    code changes at midnight without a reload that would wipe a half-typed form."""
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code, at_kiosk=True)
    if isinstance(staff, Response):
        return staff
    office = _office(context, office_code)
    door = _door_code(context, office, staff)
    if door is None:
        return Response(status_code=204)
    return render(request, context, "staff/_door_code.html", office=office, door=door)


@router.get("/kiosk/{office_code}/phone-ticket")
def kiosk_phone_ticket(request: Request, office_code: str) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code, at_kiosk=True)
    if isinstance(staff, Response):
        return staff
    office = _office(context, office_code)
    if office.remote is None:
        return RedirectResponse(f"/kiosk/{office.code}", status_code=303)
    return _phone_ticket_page(request, context, office, {}, {})


def _phone_ticket_page(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        context,
        "staff/phone_ticket.html",
        office=office,
        values=values,
        errors=errors,
        clear_after=context.settings.kiosk_receipt_seconds * 2,  # typing takes longer
        status=status,
    )


@router.post("/kiosk/{office_code}/phone-ticket")
async def kiosk_phone_ticket_sent(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_phone_ticket_sent, request, form, office_code)


def _phone_ticket_sent(request: Request, form: FormData, office_code: str) -> Response:
    """A ticket taken on a phone, checked in by its number and the phone's last digits."""
    context = app_context(request)
    sent = _kiosk_form(request, form, context, office_code)
    if isinstance(sent, Response):
        return sent
    staff, form, office = sent
    gettext = translations(choose_language(request)).gettext
    values = {"code": form_text(form, "code"), "phone_last4": form_text(form, "phone_last4")}
    errors = {}
    if not values["code"]:
        errors["code"] = gettext("Type your ticket's number, as your phone shows it: like Q-014.")
    if not re.fullmatch(r"\d{4}", re.sub(r"\s", "", values["phone_last4"])):
        errors["phone_last4"] = gettext(
            "Type the last 4 digits of the phone number that took the ticket."
        )
    if errors:
        return _phone_ticket_page(request, context, office, values, errors, 422)
    try:
        checked = queue_service.check_in_remote(
            context,
            staff=staff,
            office=office.code,
            code=values["code"],
            phone_last4=re.sub(r"\s", "", values["phone_last4"]),
        )
    except Problem as problem:
        field, message = _phone_ticket_refusal(problem, gettext)
        return _phone_ticket_page(request, context, office, values, {field: message}, 409)
    service = next((s for s in office.services if s.code == checked.service), None)
    return render(
        request,
        context,
        "staff/checked_in.html",
        office=office,
        checked=checked,
        service=service,
        clear_after=context.settings.kiosk_receipt_seconds,  # then it is the next person's
        back=f"/kiosk/{office.code}",
    )


def _phone_ticket_refusal(problem: Problem, gettext: Callable[[str], str]) -> tuple[str, str]:
    """Where the kiosk shows a refused check-in, and what the holder should do."""
    reason = problem.extra.get("reason")
    if problem.field == "code":
        return "code", gettext(
            "No ticket with this number was taken from a phone for this office today. Check "
            "the number on your phone."
        )
    if reason == "mismatch":
        return "phone_last4", gettext(
            "These are not the last 4 digits of the phone number that took this ticket. Check them."
        )
    if reason == "missed":
        return "", gettext(
            "Your turn came twice before you checked in, so the ticket has ended. Take a new "
            "ticket here."
        )
    if problem.status == 429:
        return "", gettext("Too many attempts. Wait a little and try again.")
    return "", gettext("This ticket is no longer in the line. Take a new ticket here.")


def receipt(
    request: Request, context: AppContext, office: OfficeInfo, issued: IssuedPublic, *, back: str
) -> Response:
    """The ticket to print; the screen returns to ``back`` after a minute."""
    short = f"{request.base_url}t/{issued.id}-{issued.secret}"
    group = next((g for g in office.groups if g.code == issued.group), None)
    return render(
        request,
        context,
        "staff/receipt.html",
        office=office,
        issued=issued,
        service=next((s for s in office.services if s.code == issued.service), None),
        group=group,
        link=short,
        qr=qr_svg(short, label=issued.code),
        clear_after=context.settings.kiosk_receipt_seconds,  # then it is the next person's
        back=back,
    )
