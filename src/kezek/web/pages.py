"""Rendering a page: its language, its translations, its security headers and CSRF token.

Every page goes through ``render``, so each carries the same headers: a Content Security
Policy that allows scripts and styles from this site only (no inline script), no framing,
and no sniffing. Forms carry a CSRF token that must match the ``csrf`` cookie (double
submit); the cookie is HttpOnly and SameSite=Lax, and Secure in production.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kezek.codes import ticket_code
from kezek.context import AppContext
from kezek.i18n import LANGUAGE_NAMES, LANGUAGES
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.web import labels
from kezek.web.i18n import COOKIE, choose_language
from kezek.web.visit_text import shown_phone, visit_lines

CSRF_COOKIE = "csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

environment = Environment(
    loader=PackageLoader("kezek.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["ticket_code"] = ticket_code
environment.globals["visit_lines"] = visit_lines
environment.globals["shown_phone"] = shown_phone
environment.globals["labels"] = labels


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
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    html = environment.get_template(template).render(
        request=request,
        lang=language,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        _=catalog.gettext,
        ngettext=catalog.ngettext,
        formats=Formats(language),
        csrf_token=token,
        request_key=new_request_key,
        **values,
    )
    response = HTMLResponse(html, status_code=status)
    if request.method != "GET" and request.headers.get("HX-Request") == "true":
        # A form shown again with its errors: the address stays the page's own, so that a
        # reload opens the form afresh rather than a page that only answers a POST.
        response.headers["HX-Push-Url"] = "false"
    secure = context.settings.environment == "production"
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", secure=secure
        )
    return secured(response)


def secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def csrf_ok(request: Request, form: Mapping[str, Any]) -> bool:
    """Whether a form's token matches the cookie; a form from another site cannot."""
    sent = form.get("csrf_token")
    kept = request.cookies.get(CSRF_COOKIE)
    return isinstance(sent, str) and bool(kept) and hmac.compare_digest(sent, kept or "")


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
