"""A place in today's line, taken from a phone: /line/{office}.

Where an office gives walk-in tickets to phones (``OfficeInfo.remote``), a citizen picks
the service and types the phone number; a code goes by SMS, and the right code takes the
ticket and opens its page, which says how to check in on arrival. The steps are the
booking's phone-code steps (``kezek.web.details``): the service and the number ride along
sealed in the page (``kezek.web.pending``), a wrong code is said beside the code field,
and the code can be sent again or to another number. A phone that took its ticket today
already is shown that ticket. Every step is a plain form, so it works with JavaScript off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking import service as booking_service
from kezek.booking.identity import normalize_phone
from kezek.booking.visit_text import shown_phone
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.network.plan import closes_at
from kezek.notify.models import Channel
from kezek.queue import service as queue_service
from kezek.queue.closing import is_closed
from kezek.queue.remote import remote_taken
from kezek.ratelimit import client_address
from kezek.web.booking_pages import expired, not_found, open_office
from kezek.web.details import code_message, phone_message
from kezek.web.i18n import choose_language
from kezek.web.messages import field_message
from kezek.web.pages import app_context, csrf_ok, form_text, render
from kezek.web.pending import Pending, seal, unseal

router = APIRouter(include_in_schema=False)
_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class LineToday:
    """The office's line for phones as the page finds it now."""

    opens_at: str  # local time from which tickets are given, as 07:00
    ended: bool  # closed for today: past closing, closed early, or no hours today
    not_yet: bool  # before the hour
    full: bool  # the day's number given already
    sms_on: bool  # no code can prove a phone without SMS

    @property
    def open(self) -> bool:
        return not (self.ended or self.not_yet)


@router.get("/line/{office_code}")
def line_form(request: Request, office_code: str) -> Response:
    context = app_context(request)
    office = _remote_office(context, office_code)
    if office is None:
        return _not_offered(request, context, office_code)
    return line_page(request, context, office, {}, {})


def _remote_office(context: AppContext, code: str) -> OfficeInfo | None:
    """The office if it takes people and gives tickets to phones."""
    with read_session(context.sessions) as session:
        office = open_office(session, context, code)
    return office if office is not None and office.remote is not None else None


def _not_offered(request: Request, context: AppContext, code: str) -> Response:
    with read_session(context.sessions) as session:
        office = open_office(session, context, code)
    if office is None:
        return not_found(request, context)
    message = translations(choose_language(request)).gettext(
        "This office gives tickets at its kiosk only. Come to the office, or book a time."
    )
    return render(
        request, context, "citizen/message.html", kind="problem", message=message, status=404
    )


def line_today(context: AppContext, office: OfficeInfo) -> LineToday:
    """What the page says before anything is typed. The service decides again when the
    ticket is taken; this only spares a code sent for a ticket that cannot be given."""
    assert office.remote is not None
    now = context.clock()
    day = now.astimezone(office.zone).date()
    closing = closes_at(office.plan, day)
    with read_session(context.sessions) as session:
        closed = is_closed(session, office=office, day=day)
        taken = remote_taken(session, office_id=office.id, day=day)
    return LineToday(
        opens_at=f"{office.remote.opens_at:%H:%M}",
        ended=closing is None or now >= closing or closed,
        not_yet=now.astimezone(office.zone).time() < office.remote.opens_at,
        full=taken >= office.remote.per_day,
        sms_on=context.rules.notify.on(Channel.sms),
    )


def line_page(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    services = [service for service in office.services if service.active]
    chosen = values.get("service") or (services[0].code if len(services) == 1 else "")
    return render(
        request,
        context,
        "queue/line.html",
        office=office,
        services=services,
        chosen=chosen,
        values=values,
        errors=errors,
        line=line_today(context, office),
        status=status,
    )


@router.post("/line/{office_code}")
async def line_sent(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_line_sent, request, form, office_code)


def _line_sent(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    office = _remote_office(context, office_code)
    if office is None:
        return _not_offered(request, context, office_code)
    if not csrf_ok(request, form):
        return expired(request, context)
    values = {"service": form_text(form, "service"), "phone": form_text(form, "phone")}
    language = choose_language(request)
    errors = _form_errors(office, values, language)
    if errors:
        return line_page(request, context, office, values, errors, 422)
    refusal = _refusal_now(context, office, language)
    if refusal:
        return line_page(request, context, office, values, {"office": refusal}, 409)
    return _send_code(request, context, office, values)


def _form_errors(office: OfficeInfo, values: Mapping[str, str], language: str) -> dict[str, str]:
    """Every field to correct, in one answer."""
    gettext = translations(language).gettext
    errors = {}
    if values["service"] not in {s.code for s in office.services if s.active}:
        errors["service"] = gettext("Choose the service you need from the list.")
    try:
        normalize_phone(values["phone"], region=office.country)
    except ValueError:
        errors["phone"] = field_message("phone", language)
    return errors


def _refusal_now(context: AppContext, office: OfficeInfo, language: str) -> str | None:
    """Why no ticket can be taken at this moment, before a code is sent for nothing. A full
    day is not one: a phone that took its ticket earlier gets it back with the code."""
    line = line_today(context, office)
    gettext = translations(language).gettext
    if line.ended:
        return gettext(
            "The line is closed for today. Come back on the next day the office is open, "
            "or book a time."
        )
    if line.not_yet:
        return gettext(
            "Tickets from a phone are given from %(time)s (office time). Try again then."
        ) % {"time": line.opens_at}
    return None


def _send_code(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    values: Mapping[str, str],
    *,
    again: bool = False,
) -> Response:
    """Send a code to the phone typed, and ask for it; the service and number ride along."""
    language = choose_language(request)
    # The booking's sealed form carries the service code where a booking carries its time:
    # neither flow's token names what the other's expects, so neither takes the other's.
    pending = Pending(start=values["service"], key="", values=values, document_number="")
    try:
        booking_service.send_phone_code(
            context,
            office=office.code,
            phone=values["phone"],
            language=language,
            client=client_address(request),
        )
    except Problem as problem:
        message = phone_message(problem, language)
        if again:  # asked from the code page: the answer stays there
            return code_page(request, context, office, pending, {"again": message}, 429)
        status = 429 if problem.status == 429 else 409
        return line_page(request, context, office, values, {"phone": message}, status)
    return code_page(request, context, office, pending, {}, sent_again=again)


def code_page(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    pending: Pending,
    errors: Mapping[str, str],
    status: int = 200,
    *,
    sent_again: bool = False,
    typed_phone: str = "",
) -> Response:
    phone = pending.values.get("phone", "")
    try:
        readable = shown_phone(normalize_phone(phone, region=office.country))
    except ValueError:
        readable = phone
    return render(
        request,
        context,
        "queue/line_code.html",
        office=office,
        service=office.service(pending.start),
        pending=seal(context.secret, pending),
        phone=readable,
        typed_phone=typed_phone or phone,
        errors=errors,
        sent_again=sent_again,
        status=status,
    )


@router.post("/line/{office_code}/code")
async def line_code_sent(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_code_sent, request, form, office_code)


def _code_sent(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, office_code)
    if isinstance(carried, Response):
        return carried
    office, service, pending = carried
    language = choose_language(request)
    phone = pending.values["phone"]
    code = re.sub(r"[\s-]", "", form_text(form, "code"))
    if not _CODE.fullmatch(code):  # a slip of the thumb costs none of the code's tries
        message = translations(language).gettext("Type the 6 digits from the SMS.")
        return code_page(request, context, office, pending, {"code": message}, 422)
    try:
        proof = booking_service.confirm_phone(
            context, office=office.code, phone=phone, code=code, client=client_address(request)
        )
    except Problem as problem:
        message = code_message(problem, language)
        return code_page(request, context, office, pending, {"code": message}, 422)
    return _take(request, context, office, service, pending, proof)


def _take(
    request: Request,
    context: AppContext,
    office: OfficeInfo,
    service: ServiceInfo,
    pending: Pending,
    proof: str,
) -> Response:
    """Take the ticket and open its page (303: a reload shows the ticket, and takes
    nothing twice); or the form again with what stopped it."""
    language = choose_language(request)
    values = {"service": service.code, "phone": pending.values["phone"]}
    try:
        taken = queue_service.take_remote_ticket(
            context,
            office=office.code,
            service=service.code,
            phone=values["phone"],
            phone_proof=proof,
            language=language,
            client=client_address(request),
        )
    except Problem as problem:
        if problem.code == "phone_not_verified":  # the proof outlived: a new code proves it
            return _send_code(request, context, office, values)
        field, message = refusal_message(problem, language)
        status = problem.status if problem.status in (409, 422, 429) else 409
        return line_page(request, context, office, values, {field: message}, status)
    took = "new" if taken.new else "again"
    return RedirectResponse(
        f"/ticket/{taken.id}?s={quote(taken.secret)}&took={took}", status_code=303
    )


def refusal_message(problem: Problem, language: str) -> tuple[str, str]:
    """The field to show a refused ticket beside, and what to do, in the reader's words."""
    gettext = translations(language).gettext
    reason = problem.extra.get("reason")
    if problem.code == "remote_tickets_full":
        return "office", gettext(
            "Today's places in the line from a phone are all taken. Come to the office and "
            "take a ticket at the kiosk, or book a time."
        )
    if reason == "not_yet":
        return "office", gettext(
            "Tickets from a phone are given from %(time)s (office time). Try again then."
        ) % {"time": str(problem.extra.get("opens_at", ""))}
    if reason == "closed" or problem.code == "queue_closed":
        return "office", gettext(
            "The line is closed for today. Come back on the next day the office is open, "
            "or book a time."
        )
    if reason == "reprinted":
        return "phone", gettext(
            "The ticket this number took today was printed again at the office. Follow it "
            "with the new receipt."
        )
    if reason == "not_offered":
        return "office", gettext(
            "This office gives tickets at its kiosk only. Come to the office, or book a time."
        )
    if problem.status == 429:
        return "office", gettext("Too many attempts. Wait a little and try again.")
    if problem.field == "phone":
        return "phone", field_message("phone", language)
    return "office", gettext("Something went wrong. Please try again.")


@router.post("/line/{office_code}/again")
async def line_code_again(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_code_again, request, form, office_code)


def _code_again(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    carried = _carried(request, context, form, office_code)
    if isinstance(carried, Response):
        return carried
    office, service, pending = carried
    values = {"service": service.code, "phone": pending.values["phone"]}
    return _send_code(request, context, office, values, again=True)


@router.post("/line/{office_code}/phone")
async def line_number_changed(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_number_changed, request, form, office_code)


def _number_changed(request: Request, form: FormData, office_code: str) -> Response:
    """Another number for the code (a typo in the first): the code goes to it."""
    context = app_context(request)
    carried = _carried(request, context, form, office_code)
    if isinstance(carried, Response):
        return carried
    office, service, pending = carried
    typed = form_text(form, "phone")
    try:
        normalize_phone(typed, region=office.country)
    except ValueError:
        errors = {"phone": field_message("phone", choose_language(request))}
        return code_page(request, context, office, pending, errors, 422, typed_phone=typed)
    return _send_code(request, context, office, {"service": service.code, "phone": typed})


def _carried(
    request: Request, context: AppContext, form: FormData, office_code: str
) -> tuple[OfficeInfo, ServiceInfo, Pending] | Response:
    """The office, service and number a code page carries, or the page to start again."""
    pending = unseal(context.secret, form_text(form, "pending"))
    if pending is None or not csrf_ok(request, form):
        return expired(request, context)
    office = _remote_office(context, office_code)
    if office is None:
        return _not_offered(request, context, office_code)
    service = next((s for s in office.services if s.code == pending.start and s.active), None)
    if service is None or not pending.values.get("phone"):
        return expired(request, context)
    return office, service, pending
