"""Staff pages: signing in with a cookie, the kiosk by the door, and the clerk's console.

Signing in gives the same 12-hour token as the API, kept in an HttpOnly, SameSite=Lax
cookie (Secure in production), and subject to the same lockout. Every page checks the
office against the user's offices, so a clerk of one office gets 403 at another. The
actions call the same operations as the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking.schemas import DocumentNumber
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.queue import service as queue_service
from kezek.queue import windows
from kezek.queue.board import board
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.schemas import Action, CheckInBody, Transfer, WalkIn, WindowChange
from kezek.staff.members import Staff
from kezek.staff.models import Role
from kezek.staff.service import (
    TOKEN_LIFETIME,
    TooManySignIns,
    revoke_token,
    sign_in,
    staff_for_token,
)
from kezek.web.i18n import choose_language
from kezek.web.messages import problem_message
from kezek.web.pages import app_context, csrf_ok, form_request_key, form_text, render, secured

router = APIRouter(include_in_schema=False)
STAFF_COOKIE = "staff"
CONSOLE_ACTIONS = {
    "start": Action.start,
    "finish": Action.finish,
    "recall": Action.recall,
    "no_show": Action.no_show,
}


def signed_in(request: Request, context: AppContext) -> Staff | None:
    token = request.cookies.get(STAFF_COOKIE)
    if not token:
        return None
    try:
        with read_session(context.sessions) as session:
            return staff_for_token(session, token=token, now=context.clock())
    except Problem:
        return None


async def staff_form(
    request: Request,
    *,
    office_code: str | None = None,
    admin_only: bool = False,
    max_part_size: int = 1024 * 1024,
) -> tuple[Staff, FormData] | Response:
    """The signed-in user and the form they sent, or the page that turns them away."""
    form = await request.form(max_part_size=max_part_size)
    staff = staff_or_refusal(request, office_code=office_code, admin_only=admin_only)
    if isinstance(staff, Response):
        return staff
    if not csrf_ok(request, form):
        context = app_context(request)
        return render(request, context, "citizen/message.html", kind="expired", status=403)
    return staff, form


def staff_or_refusal(
    request: Request,
    *,
    office_code: str | None = None,
    admin_only: bool = False,
    managers_only: bool = False,
) -> Staff | Response:
    """The signed-in user, or the way to sign in, or 403 for what they may not see."""
    context = app_context(request)
    staff = signed_in(request, context)
    if staff is None:
        return secured(RedirectResponse(f"/staff/login?next={request.url.path}", status_code=303))
    if (
        (admin_only and staff.role is not Role.admin)
        or (managers_only and staff.role is Role.clerk)
        or (office_code is not None and not staff.may_act_for(office_code))
    ):
        return render(request, context, "staff/forbidden.html", status=403)
    return staff


@router.get("/staff/login")
def login_form(request: Request) -> Response:
    return render(request, app_context(request), "staff/login.html", error=None, username="")


@router.post("/staff/login")
async def login(request: Request) -> Response:
    context = app_context(request)
    form = await request.form()
    if not csrf_ok(request, form):
        return render(request, context, "citizen/message.html", kind="expired", status=403)
    username = form_text(form, "username")
    gettext = translations(choose_language(request)).gettext
    try:
        token = sign_in(
            context.sessions,
            username=username,
            password=form_text(form, "password", strip=False),
            address=request.client.host if request.client else "",
            now=context.clock(),
            secret=context.secret,
        )
    except TooManySignIns:
        error = gettext("Too many wrong passwords. Wait 15 minutes, or ask an administrator.")
        return render(
            request, context, "staff/login.html", error=error, username=username, status=429
        )
    except Problem:
        error = gettext("Wrong username or password.")
        return render(
            request, context, "staff/login.html", error=error, username=username, status=401
        )
    back = request.query_params.get("next", "/staff")
    if not back.startswith("/") or back.startswith("//"):
        back = "/staff"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        STAFF_COOKIE,
        token,
        max_age=int(TOKEN_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=context.settings.environment == "production",
    )
    return secured(response)


@router.post("/staff/logout")
async def logout(request: Request) -> Response:
    context = app_context(request)
    form = await request.form()
    token = request.cookies.get(STAFF_COOKIE)
    if csrf_ok(request, form) and token:
        run_transaction(context.sessions, lambda session: revoke_token(session, token=token))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(STAFF_COOKIE)
    return secured(response)


@router.get("/staff")
def staff_home(request: Request) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request)
    if isinstance(staff, Response):
        return staff
    with read_session(context.sessions) as session:
        offices = [
            office
            for office in context.directory.offices(session)
            if office.active and staff.may_act_for(office.code)
        ]
    return render(request, context, "staff/home.html", staff=staff, offices=offices)


@router.get("/kiosk/{office_code}")
def kiosk(request: Request, office_code: str) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code)
    if isinstance(staff, Response):
        return staff
    with read_session(context.sessions) as session:
        office = context.directory.office(session, office_code)
    return render(request, context, "staff/kiosk.html", office=office, error=None)


@router.post("/kiosk/{office_code}/ticket")
async def kiosk_ticket(request: Request, office_code: str) -> Response:
    return await _kiosk_issue(request, office_code, with_booking=False)


@router.post("/kiosk/{office_code}/check-in")
async def kiosk_check_in(request: Request, office_code: str) -> Response:
    return await _kiosk_issue(request, office_code, with_booking=True)


async def _kiosk_issue(request: Request, office_code: str, *, with_booking: bool) -> Response:
    context = app_context(request)
    checked = await staff_form(request, office_code=office_code)
    if isinstance(checked, Response):
        return checked
    staff, form = checked
    with read_session(context.sessions) as session:
        office = context.directory.office(session, office_code)
    language = choose_language(request)
    try:
        if with_booking:
            number = _document(form_text(form, "document_number"))
            body = CheckInBody(reference=form_text(form, "reference"))
            issued = queue_service.check_in(
                context,
                staff=staff,
                office=office_code,
                reference=body.reference,
                document_number=number,
                key=form_request_key(form),
            ).value
        else:
            group = form_text(form, "group") or None
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
        message = (
            problem_message(exc, language)[1]
            if isinstance(exc, Problem)
            else translations(language).gettext("Check the reference and the document number.")
        )
        return render(
            request, context, "staff/kiosk.html", office=office, error=message, status=409
        )
    return render(
        request,
        context,
        "staff/receipt.html",
        office=office,
        issued=issued,
        link=f"{request.base_url}ticket/{issued.id}?s={issued.secret}",
    )


@router.get("/console/{office_code}")
def console(request: Request, office_code: str) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code)
    if isinstance(staff, Response):
        return staff
    return _console_page(request, context, staff, office_code, message=None)


@router.post("/console/{office_code}/{command}")
async def console_command(request: Request, office_code: str, command: str) -> Response:
    context = app_context(request)
    checked = await staff_form(request, office_code=office_code)
    if isinstance(checked, Response):
        return checked
    staff, form = checked
    window = form_text(form, "window")
    gettext = translations(choose_language(request)).gettext
    message = None
    key = form_request_key(form)
    try:
        if command == "open":
            services = [v for k, v in form.multi_items() if k == "services" and isinstance(v, str)]
            queue_service.open_window(
                context,
                staff=staff,
                office=office_code,
                window=window,
                services=frozenset(services) if services else None,
            )
        elif command == "next":
            called = queue_service.call_next(
                context, staff=staff, office=office_code, window=window, key=key
            )
            if called.value is None:
                message = gettext("Nobody is waiting for this window.")
        elif command in CONSOLE_ACTIONS:
            queue_service.act(
                context,
                staff=staff,
                ticket_id=_ticket_id(form),
                action=CONSOLE_ACTIONS[command],
                key=key,
            )
        elif command == "transfer":
            to = Transfer(service=form_text(form, "service"))
            queue_service.transfer(
                context, staff=staff, ticket_id=_ticket_id(form), service=to.service, key=key
            )
        elif command in ("pause", "resume", "close"):
            queue_service.change_window(
                context,
                staff=staff,
                office=office_code,
                window=window,
                change=WindowChange(command),
            )
        else:
            return render(request, context, "citizen/message.html", kind="not_found", status=404)
    except (Problem, ValueError) as exc:
        message = (
            problem_message(exc, choose_language(request))[1]
            if isinstance(exc, Problem)
            else gettext("Something went wrong. Please try again.")
        )
    if message is None:
        # After a change, a fresh page: reloading it does not repeat the action.
        return secured(RedirectResponse(f"/console/{office_code}", status_code=303))
    return _console_page(request, context, staff, office_code, message=message, status=409)


def _console_page(
    request: Request,
    context: AppContext,
    staff: Staff,
    office_code: str,
    *,
    message: str | None,
    status: int = 200,
) -> Response:
    with read_session(context.sessions) as session:
        office = context.directory.office(session, office_code)
        mine = _my_window(session, office.window_ids, staff)
        current = _ticket_at(session, office.window_ids[mine[0]]) if mine else None
        shown = board(session, office=office, now=context.clock())
    return render(
        request,
        context,
        "staff/console.html",
        staff=staff,
        office=office,
        window=mine,
        current=current,
        waiting=sum(shown.waiting.values()),
        waiting_by_service=shown.waiting,
        message=message,
        zone=office.zone,
        status=status,
    )


def _ticket_id(form: Mapping[str, Any]) -> int:
    """The form's ticket id; ValueError for anything that cannot be one."""
    ticket = int(form_text(form, "ticket"))
    if not 1 <= ticket < 2**31:
        raise ValueError("no such ticket")
    return ticket


def _my_window(
    session: Session, window_ids: Mapping[str, int], staff: Staff
) -> tuple[str, str, list[str]] | None:
    """The window this clerk has open or paused: its code, its status, its services."""
    for code, window_id in window_ids.items():
        current = windows.current_session(session, window_id=window_id)
        if current is not None and current.staff_id == staff.id and current.status != "closed":
            return code, current.status, list(current.services)
    return None


def _ticket_at(session: Session, window_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.window_id == window_id,
            Ticket.status.in_([TicketStatus.called, TicketStatus.serving]),
        )
        .order_by(Ticket.called_at.desc())
        .limit(1)
    )


_DOCUMENT: TypeAdapter[str] = TypeAdapter(DocumentNumber)


def _document(text: str) -> str:
    return _DOCUMENT.validate_python(text)
