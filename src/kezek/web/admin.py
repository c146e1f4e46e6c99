"""Admin pages: staff users and roles, loading a network file, the audit log, and the
messages to citizens (``kezek.web.outbox_pages``).

Admins open them all; managers the audit log of their offices. The network file is
checked in full before anything is loaded, and every problem is listed with its line,
field and fix, as by ``kezek network validate``, in the reader's language; a good file is
loaded in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.admin.service import disable_member, load_network_file
from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.network.file import NetworkFileError, not_utf8, parse_network
from kezek.queue.models import QueueEvent, Ticket
from kezek.staff.models import Role, StaffUser
from kezek.staff.service import add_staff, list_staff, new_staff_problems
from kezek.web import outbox_pages
from kezek.web.i18n import choose_language
from kezek.web.pages import app_context, form_text, offices_in_order, render
from kezek.web.staff_pages import signed_in, staff_form, staff_or_refusal

router = APIRouter(include_in_schema=False)
router.include_router(outbox_pages.router)  # the messages page: /admin/messages
MAX_NETWORK_FILE = 2_000_000  # bytes; the example network is 20 KB
AUDIT_ROWS = 200


@router.get("/admin/staff")
def staff_list(request: Request) -> Response:
    context = app_context(request)
    admin = staff_or_refusal(request, admin_only=True)
    if isinstance(admin, Response):
        return admin
    return _staff_page(request, context, values={}, errors={})


@router.post("/admin/staff")
async def staff_add(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_staff_add, request, form)


def _staff_add(request: Request, form: FormData) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, admin_only=True)
    if isinstance(checked, Response):
        return checked
    _, form = checked
    values = {name: form_text(form, name) for name in ("username", "full_name", "role")}
    offices = [v for k, v in form.multi_items() if k == "offices" and isinstance(v, str)]
    gettext = translations(choose_language(request)).gettext
    password = form_text(form, "password", strip=False)
    role = Role(values["role"]) if values["role"] in {r.value for r in Role} else None
    # Every mistake at once, each beside its field.
    errors = dict(
        _staff_problem(problem, gettext)
        for problem in new_staff_problems(
            username=values["username"], password=password, role=role, office_codes=offices
        )
    )
    if role is None:
        errors["role"] = gettext("Choose a role.")
    if errors or role is None:
        return _staff_page(
            request, context, values=values, chosen=offices, errors=errors, status=422
        )
    try:
        run_transaction(
            context.sessions,
            lambda session: add_staff(
                session,
                username=values["username"],
                full_name=values["full_name"],
                role=role,
                password=password,
                office_codes=offices,
            ),
        )
    except Problem as problem:
        field, message = _staff_problem(problem, gettext)
        return _staff_page(
            request, context, values=values, chosen=offices, errors={field: message}, status=422
        )
    added = quote(values["username"].strip().lower())
    return RedirectResponse(f"/admin/staff?added={added}#add", status_code=303)


@router.post("/admin/staff/disable")
async def staff_disable(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_staff_disable, request, form)


def _staff_disable(request: Request, form: FormData) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, admin_only=True)
    if isinstance(checked, Response):
        return checked
    admin, form = checked
    username = form_text(form, "username")
    if username.lower() == admin.username:  # an admin does not lock themselves out
        return RedirectResponse("/admin/staff", status_code=303)
    with contextlib.suppress(Problem):  # gone already: the list shows what is
        disable_member(
            context.sessions,
            context.bus,
            username=username,
            by=admin.username,
            now=context.clock(),
        )
    return RedirectResponse("/admin/staff", status_code=303)


@router.get("/admin/network")
def network_form(request: Request) -> Response:
    context = app_context(request)
    admin = staff_or_refusal(request, admin_only=True)
    if isinstance(admin, Response):
        return admin
    return _network_page(request, context, status=200)


@router.post("/admin/network")
async def network_upload(request: Request) -> Response:
    form = await request.form(max_part_size=MAX_NETWORK_FILE)
    return await run_in_threadpool(_network_upload, request, form)


def _network_upload(request: Request, form: FormData) -> Response:
    context = app_context(request)
    checked = staff_form(request, form, admin_only=True)
    if isinstance(checked, Response):
        return checked
    _, form = checked
    upload = form.get("file")
    gettext = translations(choose_language(request)).gettext
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _network_page(request, context, error=gettext("Choose a network file to upload."))
    name = upload.filename
    try:
        spec = parse_network(upload.file.read().decode("utf-8"), source=name)
    except UnicodeDecodeError:
        return _network_page(request, context, problems=[not_utf8(name).shown(gettext)])
    except NetworkFileError as exc:
        problems = [problem.shown(gettext) for problem in exc.problems]
        return _network_page(request, context, problems=problems)
    try:
        loaded = load_network_file(
            context.sessions,
            spec,
            notify=context.rules.notify,
            horizon_days=context.rules.horizon_days,
        )
    except Problem as problem:  # a round's published places rewritten
        said = gettext(
            "Nothing was loaded: the file changes a round in a way it can no longer change."
        )
        return _network_page(request, context, problems=[said, problem.detail], status=409)
    return render(
        request,
        context,
        "admin/network.html",
        error=None,
        problems=[],
        report=loaded.report,
        regridded=loaded.regridded_with_bookings,
    )


def _network_page(
    request: Request,
    context: AppContext,
    *,
    error: str | None = None,
    problems: list[str] | None = None,
    status: int = 422,
) -> Response:
    """The upload form, with what is wrong beside the file field."""
    return render(
        request,
        context,
        "admin/network.html",
        error=error,
        problems=problems or [],
        report=None,
        status=status,
    )


@router.get("/admin/audit")
def audit(request: Request) -> Response:
    """The latest ticket events, newest first: all offices for an admin, or one office."""
    context = app_context(request)
    staff = staff_or_refusal(request, managers_only=True)
    if isinstance(staff, Response):
        return staff
    with read_session(context.sessions) as session:
        offices = offices_in_order(
            (o for o in context.directory.offices(session) if staff.may_act_for(o.code)),
            choose_language(request),
        )
        asked = request.query_params.get("office", "")
        shown = [o for o in offices if o.code == asked] or offices
        rows = session.execute(
            select(
                QueueEvent.at,
                QueueEvent.office_id,
                Ticket.prefix,
                Ticket.number,
                QueueEvent.kind,
                QueueEvent.actor,
                QueueEvent.window_id,
            )
            .join(Ticket, Ticket.id == QueueEvent.ticket_id)
            .where(QueueEvent.office_id.in_([o.id for o in shown]))
            # In the order things happened: by time, and the log's own order within a moment.
            .order_by(QueueEvent.at.desc(), QueueEvent.id.desc())
            .limit(AUDIT_ROWS)
        ).all()
        actors = sorted({row.actor for row in rows if row.actor})
        found = session.execute(
            select(StaffUser.username, StaffUser.full_name).where(StaffUser.username.in_(actors))
        )
        names = dict(found.all())
    return render(
        request,
        context,
        "admin/audit.html",
        rows=rows,
        offices=offices,
        by_id={o.id: o for o in offices},
        names=names,
        # Offices in several time zones: each time says its offset, so that the order reads.
        zones_differ=len({str(o.zone) for o in shown}) > 1,
        chosen=asked if len(shown) == 1 and asked else "",
        everyone=staff.role is Role.admin,
    )


def _staff_page(
    request: Request,
    context: AppContext,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    chosen: list[str] | None = None,
    status: int = 200,
) -> Response:
    with read_session(context.sessions) as session:
        users = [
            (user.username, user.full_name, user.role, [o.code for o in user.offices], user.active)
            for user in list_staff(session)
        ]
        offices = context.directory.offices(session)
    return render(
        request,
        context,
        "admin/staff.html",
        users=users,
        offices=offices,
        office_names={office.code: office.name for office in offices},
        roles=[role.value for role in Role],
        values=values,
        chosen=chosen or [],
        errors=errors,
        added=request.query_params.get("added", "")[:64],
        me=signed_in_name(request),
        status=status,
    )


def signed_in_name(request: Request) -> str:
    staff = signed_in(request, app_context(request))
    return staff.username if staff else ""


def _staff_problem(problem: Problem, gettext: Any) -> tuple[str, str]:
    """The field a refusal is about, and what to do."""
    messages = {
        "username": gettext(
            "A username has 2 to 64 Latin letters, digits, dots, hyphens or underscores."
        ),
        "password": gettext("The password is too short; use at least 10 characters."),
        "office": gettext("A manager, clerk or kiosk needs at least one office."),
    }
    if problem.field == "username" and problem.status == 409:
        return "username", gettext("This username is taken; choose another.")
    field = problem.field or ""
    return field, str(messages.get(field, gettext("Something went wrong. Please try again.")))
