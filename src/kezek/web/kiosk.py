"""The kiosk by the door: a ticket for a service, a priority ticket, or a booking checked in.

It runs signed in as a kiosk account (or any staff of the office) and has no link off
itself. The receipt shows the ticket's number, its service, and a QR code of the holder's
own page with a short address to type instead. It prints as it appears, and again on a
tap (the paper jammed); after a minute the screen is the next person's, with JavaScript
or without.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from kezek.booking.schemas import DocumentNumber
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
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
    return _kiosk_page(request, context, office, group=group)


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
        return _kiosk_page(request, context, office, group=group, errors=errors, status=409)
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
        return _kiosk_page(request, context, office, errors=errors, reference=reference, status=422)
    except Problem as problem:
        field, message = problem_message(problem, language)
        return _kiosk_page(
            request, context, office, errors={field: message}, reference=reference, status=409
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
        errors=errors or {},
        reference=reference,
        status=status,
    )


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
