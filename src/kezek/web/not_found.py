"""What a person's browser gets for an address that is no page: a page, not JSON.

The API answers problem+json to every client; a browser that asked for a page gets the
same "page not found" as the booking pages show, in its reader's language, with the way
back to the start.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kezek.i18n.catalogs import translations
from kezek.web.i18n import choose_language
from kezek.web.pages import app_context, render


def wants_a_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def page_not_found(request: Request, exc: HTTPException) -> Response:
    """404: no such page. 405: an address only a form sends to, opened from a bookmark."""
    if exc.status_code == 404:
        return render(
            request, app_context(request), "citizen/message.html", kind="not_found", status=404
        )
    gettext = translations(choose_language(request)).gettext
    message = gettext(
        "This address only works from a button on a page. Start again from the first page."
    )
    return render(
        request,
        app_context(request),
        "citizen/message.html",
        kind="problem",
        message=message,
        status=exc.status_code,
    )
