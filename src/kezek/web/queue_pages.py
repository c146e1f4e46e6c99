"""The pages of the live queue that need no sign-in: the board on the wall, and "my ticket".

The board is rendered whole by the server, so it shows the calls even before its script
runs; ``board.js`` then follows the office's Server-Sent Events stream (the browser
reconnects by itself after a drop) and switches the labels between two languages. The
ticket page shows the place in line and the estimated call, refreshed every 20 seconds
until the ticket is over, and a link that makes a Telegram chat follow the ticket. A
ticket taken from a phone (``kezek.web.join_line``) is called only once its holder has
checked in: its page says so, and takes the door's code of the day, which the kiosk's
screen shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.admin.telegram import ticket_telegram_link
from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.http.threads import for_ticket_pages
from kezek.http.validators import etag, not_modified, unchanged, validator_headers
from kezek.i18n import LANGUAGES, N_
from kezek.i18n.catalogs import translations
from kezek.network.plan import closes_at, next_open_day
from kezek.queue import service as queue_service
from kezek.queue.board import board
from kezek.queue.status import TicketStatusView
from kezek.ratelimit import TooManyRequests
from kezek.web import join_line
from kezek.web.i18n import choose_language
from kezek.web.pages import app_context, csrf_ok, form_text, render
from kezek.web.qr import qr_svg
from kezek.web.reminders import TelegramOffer

router = APIRouter(include_in_schema=False)
router.include_router(join_line.router)
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
async def ticket_page(request: Request, number: str, s: str = "") -> Response:
    context = app_context(request)
    if not TICKET_NUMBER.fullmatch(number):  # typed from a receipt: say so, in words
        return _no_such_ticket(request)
    ticket_id = int(number)
    # As the API's ticket status: thousands of phones reload this block in a busy office.
    # Most are answered from the line this worker keeps, here on the event loop; the others
    # read on the threads kept for ticket pages, so that however many wait for a line's
    # work, the clerks' routes and the other pages find threads of their own.
    try:
        view = queue_service.kept_ticket_view(context, ticket_id=ticket_id, ticket_secret=s)
        if view is None:
            view = await for_ticket_pages(
                queue_service.read_ticket_view, context, ticket_id=ticket_id, ticket_secret=s
            )
    except Problem:
        return _no_such_ticket(request)
    # HTMX asks for the status block alone every 20 seconds; a browser without it, the page.
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")
    if not partial:
        # The whole page offers a Telegram link, made in the database.
        return await run_in_threadpool(_ticket_answer, request, context, view, ticket_id, s)
    # Most of those asks find the same place and estimate: answered 304 before rendering.
    # (The whole page is always sent: its check-in form carries a fresh CSRF token.)
    # The block and the page share an address: "Vary" keeps the phone from showing its kept
    # block alone when the page is opened again (the Back button, a link from an SMS).
    tag = _block_tag(request, view)
    if unchanged(request.headers.get("if-none-match"), tag):
        return not_modified(tag, vary="HX-Request")
    response = _ticket_answer(request, context, view, ticket_id, s, partial=True)
    response.headers.update(validator_headers(tag, vary="HX-Request"))
    return response


def _block_tag(request: Request, view: TicketStatusView) -> str:
    """Everything the ticket's status block shows that can change, in the reader's
    language."""
    ticket = view.ticket
    return etag(
        ticket.id,
        ticket.code,
        ticket.status,
        ticket.ended_at,
        view.position,
        view.estimated_call_at,
        view.window,
        view.checked_in,
        view.passed_over,
        choose_language(request),
        request.query_params.get("took", ""),
        # The day rolls on: "come back on ..." and the closing time are worked out from it.
        view.office.plan.timezone.key,
        ticket.day,
    )


def _ticket_answer(
    request: Request,
    context: AppContext,
    view: TicketStatusView,
    asked: int,
    secret: str,
    *,
    partial: bool = False,
    errors: Mapping[str, str] | None = None,
    typed_code: str = "",
    status: int = 200,
) -> Response:
    plan = view.office.plan
    # When the line closed: early by a manager's hand, or at the closing time at the latest.
    closing = closes_at(plan, view.ticket.day)
    ended = view.ticket.ended_at
    closed_at = min(t for t in (closing, ended) if t is not None) if closing or ended else None
    took = request.query_params.get("took", "")
    return render(
        request,
        context,
        "queue/ticket_status.html" if partial else "queue/ticket.html",
        view=view,
        asked=asked,  # the receipt's ticket; a transfer shows the one it became
        zone=view.office.zone,
        secret=secret,
        # For whoever the closing line sent home: when it closed, and when to come back.
        closed_at=closed_at,
        reopens=next_open_day(
            plan, max(view.ticket.day, context.clock().astimezone(view.office.zone).date())
        ),
        # The block alone asks for no link: the page around it has one already.
        telegram=None if partial else _telegram(request, context, view, secret),
        took=took if took in ("new", "again") else "",
        errors=errors or {},
        typed_code=typed_code,
        partial=partial,
        status=status,
    )


def _telegram(
    request: Request, context: AppContext, view: TicketStatusView, secret: str
) -> TelegramOffer | None:
    """The link that makes a chat follow the ticket, and its QR code for another phone;
    None where there is no bot, or the ticket's day is over."""
    try:
        url = ticket_telegram_link(
            context,
            ticket_id=view.ticket.id,
            ticket_secret=secret,
            language=choose_language(request),
        )
    except Problem:  # gone meanwhile: nothing to follow
        return None
    return TelegramOffer(url=url, qr=qr_svg(url, label=view.ticket.code)) if url else None


@router.post("/ticket/{number}/door")
async def door_code_sent(request: Request, number: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_door_code_sent, request, form, number)


def _door_code_sent(request: Request, form: FormData, number: str) -> Response:
    """Checked in at the door with the code of the day, then back to the ticket's page
    (303: a reload shows the ticket, and sends nothing again)."""
    context = app_context(request)
    secret = form_text(form, "s")
    if not TICKET_NUMBER.fullmatch(number):
        return _no_such_ticket(request)
    ticket_id = int(number)
    try:
        view = queue_service.ticket_view(context, ticket_id=ticket_id, ticket_secret=secret)
    except Problem:
        return _no_such_ticket(request)
    if not csrf_ok(request, form):
        return render(request, context, "citizen/message.html", kind="expired", status=403)
    typed = form_text(form, "door_code")
    language = choose_language(request)
    gettext = translations(language).gettext
    if not re.fullmatch(r"\d{4}", re.sub(r"\s", "", typed)):
        errors = {"door_code": gettext("Type the 4 digits shown on the screen by the door.")}
        return _ticket_answer(
            request, context, view, ticket_id, secret, errors=errors, typed_code=typed, status=422
        )
    try:
        queue_service.check_in_at_door(
            context, ticket_id=ticket_id, ticket_secret=secret, door_code=typed
        )
    except Problem as problem:
        message, status = _door_refusal(problem, language)
        return _ticket_answer(
            request,
            context,
            view,
            ticket_id,
            secret,
            errors={"door_code": message},
            typed_code=typed,
            status=status,
        )
    return RedirectResponse(f"/ticket/{ticket_id}?s={quote(secret)}", status_code=303)


def _door_refusal(problem: Problem, language: str) -> tuple[str, int]:
    gettext = translations(language).gettext
    reason = problem.extra.get("reason")
    if isinstance(problem, TooManyRequests) or problem.status == 429:
        return gettext(
            "Too many wrong codes. Wait a quarter of an hour, or check in at the kiosk with "
            "your ticket's number and the last 4 digits of your phone."
        ), 429
    if reason == "wrong_code":
        return gettext(
            "This is not today's code. Type the 4 digits shown on the kiosk's screen by the door."
        ), 422
    if reason == "not_remote":
        return gettext("This ticket was taken at the office: it needs no check-in."), 409
    if reason == "missed":
        return gettext(
            "Your turn came twice before you checked in, so the ticket has ended. Take a new "
            "ticket at the kiosk."
        ), 409
    return gettext("This ticket is no longer in the line: there is nothing to check in."), 409


def _no_such_ticket(request: Request) -> Response:
    context = app_context(request)
    return render(request, context, "citizen/message.html", kind="no_ticket", status=404)
