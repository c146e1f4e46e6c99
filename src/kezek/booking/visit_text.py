"""The advice for a visit as sentences in the reader's language: one source for the
booking's page, its printable page and its calendar entry."""

from __future__ import annotations

import phonenumbers

from kezek.booking.details import BookingDetails
from kezek.booking.visit import VisitAdvice
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.network.queue_config import LateArrival


def visit_lines(
    booking: BookingDetails, advice: VisitAdvice, language: str, *, with_phone: bool = True
) -> list[str]:
    gettext = translations(language).gettext
    formats = Formats(language)
    zone = booking.office.zone
    lines = [
        gettext("Come from %(time)s, %(minutes)d minutes before your time.")
        % {"time": formats.time(advice.arrive_from, zone), "minutes": advice.arrive_early_minutes},
        gettext(
            "At the office, check in at the kiosk with your reference and the passport "
            "or ID card you booked with. Then wait for your number on the board."
        ),
    ]
    late = {"time": formats.time(advice.late_after, zone), "minutes": advice.late_grace_minutes}
    if advice.late_rule is LateArrival.walk_in:
        lines.append(
            gettext(
                "If you come after %(time)s (more than %(minutes)d minutes late), the "
                "booking no longer holds: you join the line for people without a booking."
            )
            % late
        )
    else:
        lines.append(
            gettext(
                "If you come after %(time)s (more than %(minutes)d minutes late), the "
                "booking is lost and you need to book again."
            )
            % late
        )
    if advice.hours:
        hours = ", ".join(f"{r}".replace("-", "–") for r in advice.hours)
        lines.append(gettext("The office is open that day: %(hours)s.") % {"hours": hours})
    if with_phone and advice.phone:
        lines.append(gettext("Office phone: %(phone)s") % {"phone": shown_phone(advice.phone)})
    return lines


def shown_phone(e164: str) -> str:
    """+74951234567 as people read it: +7 495 123-45-67."""
    number = phonenumbers.parse(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
