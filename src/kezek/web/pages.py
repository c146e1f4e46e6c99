"""Rendering a page: its language, its translations, its CSRF token.

Forms carry a CSRF token bound to the browser's session: an HMAC, under the server's
secret, of the ``csrf`` cookie's random value and of the staff sign-in cookie, if any. A
token of another browser, or of the same browser before it signed in or out, does not
match; a site that can set cookies for this one cannot make a token without the secret.
The cookie is rotated at sign-in and sign-out. Cookies are HttpOnly and SameSite=Lax; in
production they are Secure and named with the ``__Host-`` prefix, so that no other host of
the domain can set them. The security headers of every answer are ``kezek.http.headers``'.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kezek.booking.visit_text import shown_phone, visit_lines
from kezek.codes import ticket_code
from kezek.context import AppContext
from kezek.i18n import LANGUAGE_NAMES, LANGUAGES
from kezek.i18n.catalogs import translations
from kezek.i18n.collation import sort_key
from kezek.i18n.formats import Formats
from kezek.network.directory import OfficeInfo
from kezek.web import labels
from kezek.web.i18n import COOKIE, choose_language

CSRF_COOKIE = "csrf"
STAFF_COOKIE = "staff"

environment = Environment(
    loader=PackageLoader("kezek.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates ship with the code: a changed one takes a restart, as a changed module
    # does. Checked for changes, each page rendered would look at its files on disk.
    auto_reload=False,
)
environment.globals["ticket_code"] = ticket_code
environment.globals["visit_lines"] = visit_lines
environment.globals["shown_phone"] = shown_phone
environment.globals["labels"] = labels


def utc_offset(at: dt.datetime, zone: ZoneInfo) -> str:
    """The zone's offset from UTC at that moment, as "UTC+5" or "UTC+5:30"."""
    offset = at.astimezone(zone).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


environment.globals["utc_offset"] = utc_offset


def keep_together(text: str, part: str) -> Markup:
    """``text`` with ``part`` (an example phone number) kept on one line: a narrow screen
    would otherwise break it at a hyphen, and a citizen copies the half they see."""
    escaped, kept = escape(text), escape(part)
    return Markup(str(escaped).replace(str(kept), f'<span class="nowrap">{kept}</span>'))


environment.filters["keep_together"] = keep_together


def render(
    request: Request,
    context: AppContext,
    template: str,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    language = choose_language(request)
    catalog = translations(language)
    seed = request.cookies.get(cookie_name(context, CSRF_COOKIE)) or new_csrf_seed()
    token = csrf_token(request, context, seed)
    html = environment.get_template(template).render(
        request=request,
        lang=language,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        _=catalog.gettext,
        ngettext=catalog.ngettext,
        formats=Formats(language),
        csrf_token=token,
        request_key=new_request_key,
        here=viewable_address(request),
        **values,
    )
    response = HTMLResponse(html, status_code=status)
    if request.method != "GET" and request.headers.get("HX-Request") == "true":
        # A form shown again with its errors: the address stays the page's own, so that a
        # reload opens the form afresh rather than a page that only answers a POST.
        response.headers["HX-Push-Url"] = "false"
    secure = context.settings.environment == "production"
    set_csrf_cookie(response, context, seed)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", secure=secure
        )
    return response


def offices_in_order(offices: Iterable[OfficeInfo], language: str) -> list[OfficeInfo]:
    """The Embassy first, then the offices by city, in the reader's alphabet: as every
    page lists them."""
    return sorted(
        offices,
        key=lambda office: (office.kind != "embassy", sort_key(office.city[language], language)),
    )


def viewable_address(request: Request, *, otherwise: str = "/") -> str:
    """This page's address, to come back to (a language switch, a sign-in): for the answer
    to a form, the page the form was on, since the form's own address answers a POST only."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        referer = urlsplit(request.headers.get("referer", ""))
    except ValueError:  # a header no browser sends ("http://["): no page to go back to
        return otherwise
    if referer.netloc == request.url.netloc and referer.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return otherwise


def local_address(asked: str | None, *, otherwise: str = "/") -> str:
    """``asked`` if it is an address on this site, else ``otherwise``: a link cannot send
    anyone to another site (``//evil``, ``/\\evil``, ``https://evil``, a header break)."""
    if not asked or not asked.startswith("/") or asked.startswith(("//", "/\\")):
        return otherwise
    try:
        parts = urlsplit(asked)
    except ValueError:
        return otherwise
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in asked):
        return otherwise
    return asked


def cookie_name(context: AppContext, name: str) -> str:
    """``__Host-name`` in production: Secure, for this host and path / only."""
    return f"__Host-{name}" if context.settings.environment == "production" else name


def set_cookie(
    response: Response, context: AppContext, name: str, value: str, *, max_age: int | None = None
) -> None:
    secure = context.settings.environment == "production"
    response.set_cookie(
        cookie_name(context, name),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(32)


def set_csrf_cookie(response: Response, context: AppContext, seed: str) -> None:
    set_cookie(response, context, CSRF_COOKIE, seed)


def csrf_token(
    request: Request, context: AppContext, seed: str, *, staff: str | None = None
) -> str:
    """The forms' token for this browser's ``seed`` and staff sign-in (``staff`` when the
    response sets a new one)."""
    if staff is None:
        staff = request.cookies.get(cookie_name(context, STAFF_COOKIE), "")
    signed_in = hashlib.sha256(staff.encode()).hexdigest()
    key = hmac.new(context.secret, b"kezek/csrf/v1", hashlib.sha256).digest()
    mac = hmac.new(key, f"{seed}|{signed_in}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def csrf_ok(request: Request, form: Mapping[str, Any]) -> bool:
    """Whether a form's token is this browser session's: a form from another site, or from
    before a sign-in or sign-out, is not."""
    context = app_context(request)
    sent = form.get("csrf_token")
    seed = request.cookies.get(cookie_name(context, CSRF_COOKIE))
    if not isinstance(sent, str) or not seed:
        return False
    return hmac.compare_digest(sent, csrf_token(request, context, seed))


def new_request_key() -> str:
    """A fresh key for one staff form: sent twice (a double tap, a resend after a network
    error), the form acts once. Each call in a template gives another key."""
    return secrets.token_urlsafe(18)


def form_request_key(form: Mapping[str, Any]) -> str | None:
    """The form's ``request_key``, if it is one that ``new_request_key`` could have made."""
    key = form_text(form, "request_key")
    return key if _REQUEST_KEY.fullmatch(key) else None


_REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def form_text(form: Mapping[str, Any], name: str, *, strip: bool = True) -> str:
    """A form field's text, or "" when it is missing or a file."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


def app_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
