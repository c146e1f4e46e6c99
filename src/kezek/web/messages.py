"""What went wrong, in the reader's language, next to the field it is about.

The API's problems and the booking model's checks are in English for developers; a
citizen sees these instead. Each maps a field, or a kind of problem, to one sentence that
says what to do.
"""

from __future__ import annotations

from pydantic import ValidationError

from kezek.booking.phone_cap import PhoneCapReached
from kezek.booking.rules import AlreadyBooked, NotActive, SlotFull, SlotRefused
from kezek.errors import NotFound, Problem
from kezek.i18n.catalogs import translations
from kezek.queue.tickets import CheckInRefused
from kezek.ratelimit import TooManyRequests


def field_message(field: str, language: str) -> str:
    gettext = translations(language).gettext
    messages = {
        "full_name": gettext("Write your full name as in your passport."),
        "phone": gettext(
            "Write a phone number with the country code, for example +7 916 123-45-67."
        ),
        "document_number": gettext(
            "Write the number of your passport or ID card, letters and digits only."
        ),
        "legal_stay_until": gettext("Write the date as day, month and year, or leave it empty."),
        "reference": gettext("The reference has 8 letters and digits, like 7KQ2-M9XD."),
        "start": gettext("This time can no longer be booked. Choose another time."),
    }
    return messages.get(field, gettext("Check this field."))


def validation_messages(error: ValidationError, language: str) -> dict[str, str]:
    """One message per field that failed, for fields a person can correct."""
    out: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        out.setdefault(field, field_message(field, language))
    return out


def problem_message(problem: Problem, language: str) -> tuple[str, str]:
    """The field to show a problem beside (or "" for the page), and what to say."""
    gettext = translations(language).gettext
    if isinstance(problem, SlotFull):
        return "start", gettext(
            "Someone has just taken this time. Go back and choose another time."
        )
    if isinstance(problem, AlreadyBooked):
        return "document_number", gettext(
            "This document number already has a booking for this service. "
            "Use “Find your booking” to move or cancel it."
        )
    if isinstance(problem, PhoneCapReached):
        return "phone", gettext(
            "This phone number already has as many bookings as one number may have. "
            "Cancel one that is no longer needed, or give the phone number of the person "
            "the booking is for."
        )
    if isinstance(problem, SlotRefused):
        return "start", field_message("start", language)
    if isinstance(problem, NotActive):
        return "", gettext("This booking was cancelled or its time has passed.")
    if isinstance(problem, TooManyRequests):
        return "", gettext("Too many attempts. Wait a little and try again.")
    if isinstance(problem, CheckInRefused):
        reasons = {
            "other_office": gettext("This booking is for another office. Check in there."),
            "other_day": gettext("This booking is for another day. Come on the booked day."),
            "already": gettext("This booking is already checked in."),
            "too_late": gettext(
                "The appointment time has passed. Take a ticket for the queue, or book again."
            ),
        }
        return "reference", reasons.get(
            str(problem.extra.get("reason")), gettext("Something went wrong. Please try again.")
        )
    if isinstance(problem, NotFound):
        return "reference", gettext(
            "No booking has this reference and document number. Check both and try again."
        )
    if problem.field:
        return problem.field, field_message(problem.field, language)
    return "", gettext("Something went wrong. Please try again.")
