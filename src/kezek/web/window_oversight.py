"""A manager's view of an office's windows: who has each open, who is at it, and closing a
window its clerk left open (gone home, taken ill) so that the citizen there is served at
another window and the wait estimates stop counting it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.network import service as network_service
from kezek.queue import service as queue_service
from kezek.queue.schemas import WindowChange
from kezek.staff.members import Staff
from kezek.web.i18n import choose_language
from kezek.web.messages import problem_message
from kezek.web.pages import app_context, form_text, render
from kezek.web.staff_pages import staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)


@router.get("/dashboard/windows/{office_code}")
def office_windows(request: Request, office_code: str) -> Response:
    staff = staff_or_refusal(request, office_code=office_code, managers_only=True)
    if isinstance(staff, Response):
        return staff
    closed = request.query_params.get("closed", "")[:32]
    gettext = translations(choose_language(request)).gettext
    notice = gettext("Window %(window)s is closed.") % {"window": closed} if closed else None
    return _page(request, staff, office_code, notice=notice)


@router.post("/dashboard/windows/{office_code}/close")
async def close_window(request: Request, office_code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_close_window, request, form, office_code)


def _close_window(request: Request, form: FormData, office_code: str) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, office_code=office_code)
    if isinstance(checked, Response):
        return checked
    staff, form = checked
    if not staff.oversees:  # a clerk closes their own window from the console
        return render(request, context, "staff/forbidden.html", reason="role", status=403)
    window = form_text(form, "window")
    try:
        queue_service.change_window(
            context, staff=staff, office=office_code, window=window, change=WindowChange.close
        )
    except Problem as problem:
        _, message = problem_message(problem, choose_language(request))
        return _page(request, staff, office_code, error=message, status=409)
    return RedirectResponse(f"/dashboard/windows/{office_code}?closed={window}", status_code=303)


def _page(
    request: Request,
    staff: Staff,
    office_code: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The office's windows, for a manager already let in."""
    context = app_context(request)
    now = queue_service.windows_now(context, staff=staff, office=office_code)
    office = network_service.office(context, office_code)
    return render(
        request,
        context,
        "staff/windows.html",
        office=office,
        windows=now,
        notice=notice,
        error=error,
        zone=office.zone,
        status=status,
    )
