"""What the citizen's booking pages share: reading a time or a date, an open office, the
way to a booking's own page, and the pages that say a link does not work."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kezek.booking.details import BookingDetails
from kezek.booking.reference import display_reference
from kezek.booking.visit import visit_advice
from kezek.context import AppContext
from kezek.errors import Problem
from kezek.network.directory import OfficeInfo
from kezek.web.booking_links import booking_token
from kezek.web.pages import render


def see_booking(context: AppContext, booking: BookingDetails, proof: str, done: str) -> Response:
    """After a change, the booking's own page (303): a reload or a shared link shows it
    again rather than repeating the change."""
    token = booking_token(context, booking, proof)
    return RedirectResponse(f"/booking/{token}?done={done}", status_code=303)


def booking_facts(booking: BookingDetails) -> dict[str, Any]:
    """What every page of a booking shows besides the booking: the reference as people read
    it, the office's zone, and the advice for the visit."""
    return {
        "reference": display_reference(booking.reference),
        "zone": booking.office.zone,
        "advice": visit_advice(booking.office, booking.starts_at),
    }


def parse_start(text: str | None) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


_HAND_WRITTEN_DAY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def read_day(text: str) -> str | bool:
    """A date as a date field sends it (2025-09-10) or as people write it (10.09.2025):
    its ISO form, "" for none, or False when it is no date."""
    text = text.strip()
    if not text:
        return ""
    written = _HAND_WRITTEN_DAY.fullmatch(text)
    try:
        if written:
            day, month, year = (int(part) for part in written.groups())
            return dt.date(year, month, day).isoformat()
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return False


def open_office(session: Session, context: AppContext, code: str) -> OfficeInfo | None:
    """The office if it exists and takes bookings."""
    try:
        office = context.directory.office(session, code)
    except Problem:
        return None
    return office if office.active else None


def not_found(request: Request, context: AppContext) -> Response:
    return render(request, context, "citizen/message.html", kind="not_found", status=404)


def expired(request: Request, context: AppContext) -> Response:
    return render(request, context, "citizen/message.html", kind="expired", status=403)
