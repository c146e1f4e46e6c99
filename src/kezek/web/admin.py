"""Admin pages: staff users and roles, loading a network file, and the audit log.

Only admins may open them. The network file is checked in full before anything is
loaded, and every problem is listed with its line, field and fix, as by
``kezek network validate``; a good file is loaded in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.admin.service import load_network_file
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.network.file import NetworkFileError, parse_network
from kezek.network.models import Office
from kezek.queue.models import QueueEvent, Ticket
from kezek.staff.models import Role
from kezek.staff.service import add_staff, disable_staff, list_staff
from kezek.web.i18n import choose_language
from kezek.web.pages import app_context, form_text, render, secured
from kezek.web.staff_pages import staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)
MAX_NETWORK_FILE = 2_000_000  # bytes; the example network is 20 KB
AUDIT_ROWS = 200


@router.get("/admin/staff")
def staff_list(request: Request) -> Response:
    context = app_context(request)
    admin = staff_or_refusal(request, admin_only=True)
    if isinstance(admin, Response):
        return admin
    return _staff_page(request, context, values={}, error=None)


@router.post("/admin/staff")
async def staff_add(request: Request) -> Response:
    context = app_context(request)
    checked = await staff_form(request, admin_only=True)
    if isinstance(checked, Response):
        return checked
    _, form = checked
    values = {name: form_text(form, name) for name in ("username", "full_name", "role")}
    offices = [v for k, v in form.multi_items() if k == "offices" and isinstance(v, str)]
    gettext = translations(choose_language(request)).gettext
    try:
        role = Role(values["role"])
        run_transaction(
            context.sessions,
            lambda session: add_staff(
                session,
                username=values["username"],
                full_name=values["full_name"],
                role=role,
                password=form_text(form, "password", strip=False),
                office_codes=offices,
            ),
        )
    except ValueError:
        return _staff_page(request, context, values=values, error=gettext("Choose a role."))
    except Problem as problem:
        return _staff_page(
            request, context, values=values, error=_staff_problem(problem, gettext), status=422
        )
    return secured(RedirectResponse("/admin/staff", status_code=303))


@router.post("/admin/staff/disable")
async def staff_disable(request: Request) -> Response:
    context = app_context(request)
    checked = await staff_form(request, admin_only=True)
    if isinstance(checked, Response):
        return checked
    _, form = checked
    username = form_text(form, "username")
    with contextlib.suppress(Problem):  # gone already: the list shows what is
        run_transaction(context.sessions, lambda session: disable_staff(session, username=username))
    return secured(RedirectResponse("/admin/staff", status_code=303))


@router.get("/admin/network")
def network_form(request: Request) -> Response:
    context = app_context(request)
    admin = staff_or_refusal(request, admin_only=True)
    if isinstance(admin, Response):
        return admin
    return render(request, context, "admin/network.html", problems=[], report=None)


@router.post("/admin/network")
async def network_upload(request: Request) -> Response:
    context = app_context(request)
    checked = await staff_form(request, admin_only=True, max_part_size=MAX_NETWORK_FILE)
    if isinstance(checked, Response):
        return checked
    _, form = checked
    upload = form.get("file")
    gettext = translations(choose_language(request)).gettext
    if not isinstance(upload, UploadFile):
        problems = [gettext("Choose a network file to upload.")]
        return render(
            request, context, "admin/network.html", problems=problems, report=None, status=422
        )
    name = upload.filename or "network.toml"
    try:
        text = (await upload.read()).decode("utf-8")
        spec = parse_network(text, source=name)
    except UnicodeDecodeError:
        problems = [f"{name}: " + gettext("the file is not UTF-8 text; save it as UTF-8.")]
        return render(
            request, context, "admin/network.html", problems=problems, report=None, status=422
        )
    except NetworkFileError as exc:
        return render(
            request,
            context,
            "admin/network.html",
            problems=[str(problem) for problem in exc.problems],
            report=None,
            status=422,
        )
    loaded = load_network_file(context.sessions, spec)
    return render(
        request,
        context,
        "admin/network.html",
        problems=[],
        report=loaded.report,
        regridded=loaded.regridded_with_bookings,
    )


@router.get("/admin/audit")
def audit(request: Request) -> Response:
    context = app_context(request)
    admin = staff_or_refusal(request, admin_only=True)
    if isinstance(admin, Response):
        return admin
    with read_session(context.sessions) as session:
        rows = session.execute(
            select(
                QueueEvent.at,
                Office.code,
                Ticket.prefix,
                Ticket.number,
                QueueEvent.kind,
                QueueEvent.actor,
            )
            .join(Office, Office.id == QueueEvent.office_id)
            .join(Ticket, Ticket.id == QueueEvent.ticket_id)
            .order_by(QueueEvent.id.desc())
            .limit(AUDIT_ROWS)
        ).all()
        zones = {office.code: office.zone for office in context.directory.offices(session)}
    return render(request, context, "admin/audit.html", rows=rows, zones=zones)


def _staff_page(
    request: Request,
    context: AppContext,
    *,
    values: Mapping[str, str],
    error: str | None,
    status: int = 200,
) -> Response:
    with read_session(context.sessions) as session:
        users = [
            (user.username, user.full_name, user.role, [o.code for o in user.offices], user.active)
            for user in list_staff(session)
        ]
        offices = [office.code for office in context.directory.offices(session)]
    return render(
        request,
        context,
        "admin/staff.html",
        users=users,
        offices=offices,
        roles=[role.value for role in Role],
        values=values,
        error=error,
        status=status,
    )


def _staff_problem(problem: Problem, gettext: Any) -> str:
    messages = {
        "password": gettext("The password is too short; use at least 10 characters."),
        "office": gettext("A manager or clerk needs at least one office."),
        "username": gettext("This username is taken; choose another."),
    }
    return str(
        messages.get(problem.field or "", gettext("Something went wrong. Please try again."))
    )
