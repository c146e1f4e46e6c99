"""What a person's browser gets when something goes wrong: a page, not JSON, and no traceback.

The API answers problem+json to every client. A browser that asked for a page gets a page
in its reader's language, with the way back: "page not found" for an unknown address, a
word that a form's address opens from its button only, "try again in a minute" while the
database is away (503, Retry-After), and "something went wrong" for an error nobody
foresaw (500; the traceback goes to the server's log only).
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
            request, app_context(request), "citizen/message.html", kind="no_page", status=404
        )
    gettext = translations(choose_language(request)).gettext
    message = gettext(
        "This address only works from a button on a page. Start again from the first page."
    )
    return _problem_page(request, message, exc.status_code)


def page_for_an_outage(request: Request) -> Response:
    """503: the database does not answer; nothing was changed."""
    gettext = translations(choose_language(request)).gettext
    message = gettext(
        "The service is not available at this moment. Nothing was changed: try again in a minute."
    )
    response = _problem_page(request, message, 503)
    response.headers["Retry-After"] = "30"
    return response


def page_for_an_error(request: Request) -> Response:
    """500: an error nobody foresaw."""
    gettext = translations(choose_language(request)).gettext
    message = gettext(
        "Something went wrong on our side. Try again; if it goes wrong again, "
        "start from the first page."
    )
    return _problem_page(request, message, 500)


def _problem_page(request: Request, message: str, status: int) -> Response:
    return render(
        request,
        app_context(request),
        "citizen/message.html",
        kind="problem",
        message=message,
        status=status,
    )
