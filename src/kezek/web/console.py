"""The clerk's console: open a window, call the next citizen, serve them, and move on.

A window holds one citizen at a time. With someone called and not come, the console
offers "no-show and call next" and "back in line and call next" instead of calling over
them; with someone being served, "finish" comes first. Every action has a key, and each
form carries a fresh request key, so a double tap acts once. The actions are the API's
own (``kezek.queue.service``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.queue import service as queue_service
from kezek.queue import windows
from kezek.queue.board import board
from kezek.queue.schemas import Action, Settle, Transfer, WindowChange
from kezek.queue.tickets import at_window
from kezek.staff.members import Staff
from kezek.web.i18n import choose_language
from kezek.web.kiosk import receipt
from kezek.web.messages import problem_message
from kezek.web.pages import app_context, form_request_key, form_text, render
from kezek.web.staff_pages import staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)
ACTIONS = {
    "start": Action.start,
    "finish": Action.finish,
    "recall": Action.recall,
}
CALLS = {"next": None, "no-show-next": Settle.no_show, "requeue-next": Settle.requeue}
CHANGES = {"pause": WindowChange.pause, "resume": WindowChange.resume, "close": WindowChange.close}


@router.get("/console/{office_code}")
def console(request: Request, office_code: str) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, office_code=office_code)
    if isinstance(staff, Response):
        return staff
    notice = None
    moved = request.query_params.get("transferred", "")
    if moved:
        gettext = translations(choose_language(request)).gettext
        notice = gettext(
            "Sent on with a new ticket: %(code)s. It waits in line for the next window free."
        ) % {"code": moved[:12]}
    return console_page(request, context, staff, office_code, notice=notice)


@router.post("/console/{office_code}/{command}")
async def console_command(request: Request, office_code: str, command: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_console_command, request, form, office_code, command)


def _console_command(request: Request, form: FormData, office_code: str, command: str) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, office_code=office_code)
    if isinstance(checked, Response):
        return checked
    staff, form = checked
    known = {"open", "transfer", "reprint", *ACTIONS, *CALLS, *CHANGES}
    if command not in known:
        return render(request, context, "citizen/message.html", kind="not_found", status=404)
    try:
        answer = _run(request, context, staff, office_code, command, form)
    except (Problem, ValueError) as exc:
        language = choose_language(request)
        if isinstance(exc, Problem):
            field, message = problem_message(exc, language)
        else:
            field, message = (
                "",
                translations(language).gettext("Something went wrong. Please try again."),
            )
        errors = {field if field in ("window", "code") else "": message}
        return console_page(
            request,
            context,
            staff,
            office_code,
            errors=errors,
            typed_code=form_text(form, "code")[:16],  # kept, to correct rather than retype
            status=409,
        )
    if isinstance(answer, Response):
        return answer
    # After a change, a fresh page: reloading it does not repeat the action.
    return RedirectResponse(f"/console/{office_code}{answer}", status_code=303)


def _run(
    request: Request,
    context: AppContext,
    staff: Staff,
    office: str,
    command: str,
    form: FormData,
) -> str | Response:
    """Do what the clerk pressed; the query to show after, or a page of its own."""
    window = form_text(form, "window")
    key = form_request_key(form)
    if command == "open":
        services = [v for k, v in form.multi_items() if k == "services" and isinstance(v, str)]
        chosen = frozenset(services) if services else None
        queue_service.open_window(
            context, staff=staff, office=office, window=window, services=chosen
        )
    elif command in CALLS:
        called = queue_service.call_next(
            context, staff=staff, office=office, window=window, settle=CALLS[command], key=key
        )
        return "" if called.value is not None else "?nobody=1"
    elif command in ACTIONS:
        queue_service.act(
            context, staff=staff, ticket_id=_ticket_id(form), action=ACTIONS[command], key=key
        )
    elif command == "transfer":
        to = Transfer(service=form_text(form, "service"))
        issued = queue_service.transfer(
            context, staff=staff, ticket_id=_ticket_id(form), service=to.service, key=key
        )
        return f"?transferred={issued.value.code}"
    elif command == "reprint":
        issued_again = queue_service.reprint(
            context, staff=staff, office=office, code=form_text(form, "code"), key=key
        ).value
        with read_session(context.sessions) as session:
            info = context.directory.office(session, office)
        return receipt(request, context, info, issued_again, back=f"/console/{office}")
    else:
        queue_service.change_window(
            context, staff=staff, office=office, window=window, change=CHANGES[command]
        )
    return ""


def console_page(
    request: Request,
    context: AppContext,
    staff: Staff,
    office_code: str,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    typed_code: str = "",
    status: int = 200,
) -> Response:
    if request.query_params.get("nobody"):
        gettext = translations(choose_language(request)).gettext
        notice = gettext("Nobody is waiting for this window.")
    with read_session(context.sessions) as session:
        office = context.directory.office(session, office_code)
        mine = _my_window(session, office.window_ids, staff)
        current = at_window(session, office.window_ids[mine[0]], lock=False) if mine else None
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
        notice=notice,
        errors=errors or {},
        typed_code=typed_code,
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
