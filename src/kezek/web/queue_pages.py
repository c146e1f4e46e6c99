"""The pages of the live queue that need no sign-in: the board on the wall, and "my ticket".

The board is rendered whole by the server, so it shows the calls even before its script
runs; ``board.js`` then follows the office's Server-Sent Events stream (the browser
reconnects by itself after a drop) and switches the labels between two languages. The
ticket page shows the place in line and the estimated call, refreshed every 20 seconds.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.db import read_session
from kezek.errors import Problem
from kezek.i18n import LANGUAGES, N_
from kezek.i18n.catalogs import translations
from kezek.network.plan import closes_at, next_open_day
from kezek.queue import service as queue_service
from kezek.queue.board import board
from kezek.web.pages import app_context, render

router = APIRouter(include_in_schema=False)
BOARD_LABELS = (
    N_("Ticket"),
    N_("Window"),
    N_("Waiting"),
    N_("Called"),
    N_("Reconnecting…"),
    N_("Full screen"),
    N_("Sound on calls"),
)


@router.get("/board/{office_code}")
def board_page(request: Request, office_code: str) -> Response:
    context = app_context(request)
    asked = request.query_params.get("languages", "ky,ru").split(",")
    languages = [code for code in asked if code in LANGUAGES][:2] or ["ky", "ru"]
    try:
        with read_session(context.sessions) as session:
            office = context.directory.office(session, office_code)
            shown = board(session, office=office, now=context.clock())
    except Problem:
        return render(request, context, "citizen/message.html", kind="not_found", status=404)
    labels = {
        code: [translations(code).gettext(label) for label in BOARD_LABELS] for code in languages
    }
    names = {
        code: {service.code: service.name[code] for service in office.services}
        for code in languages
    }
    offices = {code: office.name[code] for code in languages}
    return render(
        request,
        context,
        "queue/board.html",
        office=office,
        shown=shown,
        board_languages=languages,
        labels=labels,
        names=names,
        offices=offices,
        chime=request.query_params.get("chime") == "on",
        zone=office.zone,
    )


TICKET_NUMBER = re.compile(r"[0-9]{1,10}")


@router.get("/t/{short}")
def short_ticket_link(request: Request, short: str) -> Response:
    """The address printed under the receipt's QR code, short enough to type: /t/14-ABCDE12345."""
    ticket_id, _, secret = short.partition("-")
    if not TICKET_NUMBER.fullmatch(ticket_id) or not secret:
        return _no_such_ticket(request)
    return RedirectResponse(f"/ticket/{int(ticket_id)}?s={quote(secret)}", status_code=303)


@router.get("/ticket/{number}")
def ticket_page(request: Request, number: str, s: str = "") -> Response:
    context = app_context(request)
    if not TICKET_NUMBER.fullmatch(number):  # typed from a receipt: say so, in words
        return _no_such_ticket(request)
    ticket_id = int(number)
    try:
        view = queue_service.ticket_view(context, ticket_id=ticket_id, ticket_secret=s)
    except Problem:
        return _no_such_ticket(request)
    # HTMX asks for the status block alone every 20 seconds; a browser without it, the page.
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")
    template = "queue/ticket_status.html" if partial else "queue/ticket.html"
    plan = view.office.plan
    # When the line closed: early by a manager's hand, or at the closing time at the latest.
    closing = closes_at(plan, view.ticket.day)
    ended = view.ticket.ended_at
    closed_at = min(t for t in (closing, ended) if t is not None) if closing or ended else None
    return render(
        request,
        context,
        template,
        view=view,
        asked=ticket_id,  # the receipt's ticket; a transfer shows the one it became
        zone=view.office.zone,
        secret=s,
        # For whoever the closing line sent home: when it closed, and when to come back.
        closed_at=closed_at,
        reopens=next_open_day(
            plan, max(view.ticket.day, context.clock().astimezone(view.office.zone).date())
        ),
    )


def _no_such_ticket(request: Request) -> Response:
    context = app_context(request)
    return render(request, context, "citizen/message.html", kind="no_ticket", status=404)
