"""Staff pages: signing in with a cookie, the staff home, and the guard every staff page uses.

Signing in gives the same 12-hour token as the API, kept in an HttpOnly, SameSite=Lax
cookie (Secure in production), and subject to the same lockout. Every page checks the
office against the user's offices, so a clerk of one office gets 403 at another, and a
kiosk account opens the kiosk and nothing else. The kiosk and the clerk's console are in
``kezek.web.kiosk`` and ``kezek.web.console``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.context import AppContext
from kezek.db import read_session, run_transaction
from kezek.errors import Problem
from kezek.i18n.catalogs import translations
from kezek.ratelimit import client_address
from kezek.staff.attempts import TOKEN_LIFETIME, TooManySignIns
from kezek.staff.members import Staff
from kezek.staff.models import Role
from kezek.staff.passwords import SignInBusy
from kezek.staff.service import revoke_token, sign_in, staff_for_token
from kezek.web.i18n import choose_language
from kezek.web.pages import (
    STAFF_COOKIE,
    app_context,
    cookie_name,
    csrf_ok,
    form_text,
    local_address,
    new_csrf_seed,
    offices_in_order,
    render,
    set_cookie,
    set_csrf_cookie,
    viewable_address,
)

router = APIRouter(include_in_schema=False)


def signed_in(request: Request, context: AppContext) -> Staff | None:
    token = request.cookies.get(cookie_name(context, STAFF_COOKIE))
    if not token:
        return None
    try:
        return staff_for_token(context, token=token)
    except Problem:
        return None


def staff_form(
    request: Request,
    form: FormData,
    *,
    office_code: str | None = None,
    admin_only: bool = False,
    at_kiosk: bool = False,
) -> tuple[Staff, FormData] | Response:
    """The signed-in user and the form they sent, or the page that turns them away. It
    reads the database: a route calls it from a worker thread, with the form already read."""
    staff = staff_or_refusal(
        request, office_code=office_code, admin_only=admin_only, at_kiosk=at_kiosk
    )
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
    at_kiosk: bool = False,
) -> Staff | Response:
    """The signed-in user, or the way to sign in, or 403 for what they may not see.

    ``at_kiosk`` marks the kiosk's pages, the only ones a kiosk account may open.
    """
    context = app_context(request)
    staff = signed_in(request, context)
    if staff is None:
        back = quote(viewable_address(request, otherwise="/staff"), safe="")
        return RedirectResponse(f"/staff/login?next={back}", status_code=303)
    if office_code is not None and not staff.may_act_for(office_code):
        return render(request, context, "staff/forbidden.html", reason="office", status=403)
    if (
        (admin_only and staff.role is not Role.admin)
        or (managers_only and not staff.oversees)
        or (staff.role is Role.kiosk and not at_kiosk)
    ):
        return render(request, context, "staff/forbidden.html", reason="role", status=403)
    return staff


@router.get("/staff/login")
def login_form(request: Request) -> Response:
    return render(request, app_context(request), "staff/login.html", errors={}, username="")


@router.post("/staff/login")
async def login(request: Request) -> Response:
    context = app_context(request)
    form = await request.form()
    if not csrf_ok(request, form):
        return render(request, context, "citizen/message.html", kind="expired", status=403)
    username = form_text(form, "username")
    gettext = translations(choose_language(request)).gettext
    try:
        token = await sign_in(
            context,
            username=username,
            password=form_text(form, "password", strip=False),
            address=client_address(request),
        )
    except SignInBusy:
        errors = {"": gettext("Many people are signing in at this moment. Try again in a minute.")}
        return render(
            request, context, "staff/login.html", errors=errors, username=username, status=503
        )
    except TooManySignIns as refused:
        errors = {
            "": gettext("Many people are signing in at this moment. Try again in a minute.")
            if refused.extra.get("at_once")
            else gettext("Too many wrong passwords. Wait 15 minutes and try again.")
        }
        return render(
            request, context, "staff/login.html", errors=errors, username=username, status=429
        )
    except Problem:
        errors = {"password": gettext("Wrong username or password.")}
        return render(
            request, context, "staff/login.html", errors=errors, username=username, status=401
        )
    back = local_address(request.query_params.get("next"), otherwise="/staff")
    response = RedirectResponse(back, status_code=303)
    set_cookie(response, context, STAFF_COOKIE, token, max_age=int(TOKEN_LIFETIME.total_seconds()))
    set_csrf_cookie(response, context, new_csrf_seed())  # forms from before are spent
    return response


@router.post("/staff/logout")
async def logout(request: Request) -> Response:
    """Signing out takes the form's token too: another site cannot sign a kiosk out."""
    context = app_context(request)
    form = await request.form()
    if not csrf_ok(request, form):
        return render(request, context, "citizen/message.html", kind="expired", status=403)
    token = request.cookies.get(cookie_name(context, STAFF_COOKIE))
    if token:
        await run_in_threadpool(
            run_transaction, context.sessions, lambda session: revoke_token(session, token=token)
        )
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(
        cookie_name(context, STAFF_COOKIE),
        path="/",
        secure=context.settings.environment == "production",
        httponly=True,
        samesite="lax",
    )
    set_csrf_cookie(response, context, new_csrf_seed())
    return response


@router.get("/staff")
def staff_home(request: Request) -> Response:
    context = app_context(request)
    staff = staff_or_refusal(request, at_kiosk=True)
    if isinstance(staff, Response):
        return staff
    with read_session(context.sessions) as session:
        offices = offices_in_order(
            (
                office
                for office in context.directory.offices(session)
                if office.active and staff.may_act_for(office.code)
            ),
            choose_language(request),
        )
    if staff.role is Role.kiosk and len(offices) == 1:
        # A ticket machine signed in for its door: straight to its screen.
        return RedirectResponse(f"/kiosk/{offices[0].code}", status_code=303)
    return render(request, context, "staff/home.html", staff=staff, offices=offices)
