"""The citizen's booking pages: office, service, day and time, details, the booking itself.

Every step is a plain link or form, so the pages work with JavaScript off on any phone:
office → service → day and time → details (``kezek.web.details``) → the booking's own
page: reference, what to know before coming, where the confirmation went, calendar file,
printable page, and reminders in Telegram where the office's installation has a bot.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking.calendar_file import calendar_file
from kezek.booking.details import BookingDetails
from kezek.booking.reference import display_reference
from kezek.booking.visit import visit_advice
from kezek.context import AppContext
from kezek.db import read_session
from kezek.i18n import as_language
from kezek.i18n.catalogs import translations
from kezek.network import service as network_service
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.rounds import service as rounds_service
from kezek.web import details
from kezek.web.booking_links import booking_from_token, token_owner
from kezek.web.booking_pages import booking_facts, expired, not_found, open_office
from kezek.web.i18n import COOKIE, choose_language
from kezek.web.pages import app_context, local_address, offices_in_order, render
from kezek.web.reminders import TelegramOffer, sent_to, telegram_offer
from kezek.web.week import week_of

router = APIRouter(include_in_schema=False)
router.include_router(details.router)


@router.get("/")
def offices(request: Request) -> Response:
    context = app_context(request)
    language = choose_language(request)
    found = offices_in_order(network_service.active_offices(context), language)
    return render(request, context, "citizen/offices.html", offices=found)


@router.get("/book/{office_code}")
def services(request: Request, office_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = open_office(session, context, office_code)
    if office is None:
        return not_found(request, context)
    return render(request, context, "citizen/services.html", office=office)


@router.get("/book/{office_code}/{service_code}")
def times(request: Request, office_code: str, service_code: str) -> Response:
    context = app_context(request)
    with read_session(context.sessions) as session:
        office = open_office(session, context, office_code)
    if office is None or service_code not in {s.code for s in office.services}:
        return not_found(request, context)
    return times_page(
        request,
        context,
        office=office,
        service=office.service(service_code),
        action=f"/book/{office.code}/{service_code}/details",
        token=None,
    )


def times_page(
    request: Request,
    context: AppContext,
    *,
    office: OfficeInfo,
    service: ServiceInfo,
    action: str,
    token: str | None,
    moving: BookingDetails | None = None,
) -> Response:
    """The day strip and the free times: for a new booking, or for moving one."""
    week = week_of(
        context,
        office,
        service.code,
        day=request.query_params.get("day"),
        week=request.query_params.get("week"),
        round_code=moving.round_code if moving else None,
    )
    return render(
        request,
        context,
        "citizen/times.html",
        office=office,
        service=service,
        week=week,
        horizon_days=context.rules.horizon_days,
        action=action,
        token=token,
        moving=moving,
    )


@router.get("/booking/{token}")
def booking_page(request: Request, token: str) -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return expired(request, context)
    done = request.query_params.get("done", "")
    done = done if done in ("booked", "moved", "cancelled", "found", "confirmed") else ""
    return render(
        request,
        context,
        "citizen/booking.html",
        booking=booking,
        token=token,
        done=done,
        # Where the news of this very change went: "booked" and "moved" only.
        sent=sent_to(context, booking.reference, done) if done in ("booked", "moved") else [],
        telegram=_telegram(request, context, booking, token),
        # A place from a draw: whether it is confirmed yet, and until when it can be.
        offer=rounds_service.offer_of(context, reference=booking.reference)
        if booking.round_code
        else None,
        **booking_facts(booking),
    )


@router.get("/booking/{token}/calendar.ics")
def calendar(request: Request, token: str) -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return not_found(request, context)
    language = choose_language(request)
    body = calendar_file(
        booking,
        language=language,
        host=request.url.hostname or "kezek",
        page=f"{request.base_url}booking/{token}",
        advice=visit_advice(booking.office, booking.starts_at),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="kezek-{display_reference(booking.reference)}.ics"'
            )
        },
    )


@router.get("/booking/{token}/print")
def printable(request: Request, token: str) -> Response:
    context = app_context(request)
    booking = booking_from_token(context, token)
    if booking is None:
        return not_found(request, context)
    return render(
        request,
        context,
        "citizen/print.html",
        booking=booking,
        token=token,
        telegram=_telegram(request, context, booking, token),
        **booking_facts(booking),
    )


@router.get("/language/{code}")
def language(request: Request, code: str) -> Response:
    """The switch without JavaScript: remember the choice and go back where one was."""
    response = RedirectResponse(local_address(request.query_params.get("next")), 303)
    if as_language(code):
        secure = app_context(request).settings.environment == "production"
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    return response


def _telegram(
    request: Request, context: AppContext, booking: BookingDetails, token: str
) -> TelegramOffer | None:
    """Reminders in Telegram are offered for a booking still to come."""
    owner = token_owner(context, token)
    if owner is None or booking.status != "confirmed":
        return None
    language = choose_language(request)
    label = translations(language).gettext("Get reminders in Telegram")
    return telegram_offer(
        context, reference=booking.reference, proof=owner[1], language=language, label=label
    )
