"""What went wrong, in the reader's language, next to the field it is about.

The API's problems and the booking model's checks are in English for developers; a
citizen sees these instead. Each maps a field, or a kind of problem, to one sentence that
says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import ValidationError

from kezek.booking.identity import DetailError
from kezek.booking.phone_cap import PhoneCapReached
from kezek.booking.rules import (
    AlreadyBooked,
    IdempotencyKeyReused,
    NotActive,
    SlotFull,
    SlotRefused,
)
from kezek.errors import NotFound, Problem
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.queue.closing import QueueClosed
from kezek.queue.tickets import CheckInRefused, TicketNotInState, WindowBusy
from kezek.queue.windows import WindowInUse, WindowNotOpen
from kezek.ratelimit import TooManyRequests
from kezek.staff.members import Forbidden


def field_message(field: str, language: str, reason: str | None = None) -> str:
    """What to put right in ``field``; ``reason`` says what is wrong, where it is known."""
    gettext = translations(language).gettext
    specific: dict[tuple[str, str | None], str] = {
        ("full_name", "digits"): gettext(
            "A name has no digits. Write your name in letters, as in your passport."
        ),
        ("full_name", "symbols"): gettext(
            "Use only letters, spaces, hyphens and apostrophes in a name."
        ),
        ("full_name", "script"): gettext(
            "Write your name in Cyrillic or Latin letters, as in your passport."
        ),
        ("full_name", "short"): gettext("Write your full name: first name and surname."),
        ("full_name", "long"): gettext("The name is too long. Write it as in your passport."),
        ("document_number", "document_length"): gettext(
            "A document number has 6 to 20 letters and digits. Check it against your passport."
        ),
    }
    if (field, reason) in specific:
        return specific[(field, reason)]
    if reason == "invisible":
        return gettext("This field holds invisible characters. Type it again by hand.")
    messages = {
        "full_name": gettext("Write your full name as in your passport."),
        "phone": gettext(
            "Write a phone number with the country code, for example +7 916 123-45-67."
        ),
        "document_number": gettext(
            "Write the number of your passport or ID card, letters and digits only."
        ),
        "legal_stay_until": gettext(
            "Write the date as day, month and year, for example %(example)s, "
            "or leave the field empty."
        )
        % {"example": Formats(language).numeric_day(EXAMPLE_DAY)},
        "reference": gettext("The reference has 8 letters and digits, like 7KQ2-M9XD."),
        "start": gettext("This time can no longer be booked. Choose another time."),
    }
    return messages.get(field, gettext("Check this field."))


EXAMPLE_DAY = date(2025, 9, 10)  # the deadline of 2025, as an example of a date


def validation_messages(
    error: ValidationError, language: str, *, field_of_value: str = ""
) -> dict[str, str]:
    """One message per field that failed, for fields a person can correct.
    ``field_of_value``: the field, when one value alone was checked (it has no place)."""
    out: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else field_of_value
        cause = item.get("ctx", {}).get("error")
        reason = cause.reason if isinstance(cause, DetailError) else None
        out.setdefault(field, field_message(field, language, reason))
    return out


def problem_message(problem: Problem, language: str) -> tuple[str, str]:
    """The field to show a problem beside (or "" for the page), and what to say."""
    gettext = translations(language).gettext
    if isinstance(problem, NotFound) and problem.field == "code":
        return "code", _not_found(gettext, problem)
    for kind, (field, say) in _SAYINGS.items():
        if isinstance(problem, kind):
            return field, say(gettext, problem)
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
    if isinstance(problem, SlotRefused):
        return "start", field_message("start", language)
    if problem.field:
        return problem.field, field_message(problem.field, language)
    return "", gettext("Something went wrong. Please try again.")


Say = Callable[[Callable[[str], str], Problem], str]


def _ticket(problem: Problem) -> dict[str, str]:
    return {"ticket": str(problem.extra.get("ticket", ""))}


# Each problem a person can meet on the pages: the field to show it beside, and what to say.
_SAYINGS: dict[type[Problem], tuple[str, Say]] = {
    SlotFull: (
        "start",
        lambda _, p: _("Someone has just taken this time. Go back and choose another time."),
    ),
    AlreadyBooked: (
        "document_number",
        lambda _, p: _(
            "This document number already has a booking for this service. Open it with "
            "“Find your booking”; if you lost the reference, find it with your phone number."
        ),
    ),
    IdempotencyKeyReused: (
        "",
        lambda _, p: _(
            "This form has already made a booking, and a change made to it afterwards was not "
            "saved. Open the booking with “Find your booking” to move or cancel it."
        ),
    ),
    PhoneCapReached: (
        "phone",
        lambda _, p: _(
            "This phone number already has as many bookings as one number may have. "
            "Cancel one that is no longer needed, or give the phone number of the person "
            "the booking is for."
        ),
    ),
    NotActive: ("", lambda _, p: _("This booking was cancelled or its time has passed.")),
    TooManyRequests: ("", lambda _, p: _("Too many attempts. Wait a little and try again.")),
    QueueClosed: (
        "",
        lambda _, p: _(
            "The line is closed for today. Come back on the next day the office is open, "
            "or book a time."
        ),
    ),
    WindowBusy: ("window", lambda _, p: _window_busy(_, p)),
    WindowInUse: (
        "window",
        lambda _, p: _("Another clerk has this window open. Choose another window."),
    ),
    WindowNotOpen: ("window", lambda _, p: _("Open the window first.")),
    TicketNotInState: (
        "",
        lambda _, p: _("The ticket has moved on meanwhile. The page now shows where it is."),
    ),
    Forbidden: ("", lambda _, p: _("You may not do this here.")),
    NotFound: ("reference", lambda _, p: _not_found(_, p)),
}


def _window_busy(gettext: Callable[[str], str], problem: Problem) -> str:
    reason = problem.extra.get("reason")
    if reason == "serving":
        return gettext(
            "Ticket %(ticket)s is being served at your window. Finish it, or transfer it, first."
        ) % _ticket(problem)
    if reason == "called":
        return gettext(
            "Ticket %(ticket)s is still at your window. Start it, mark it a no-show, or put "
            "it back in line first."
        ) % _ticket(problem)
    return gettext("Someone has just been called to your window. The page now shows who.")


def _not_found(gettext: Callable[[str], str], problem: Problem) -> str:
    if problem.field == "code":
        return gettext(
            "No ticket with this number is in line at this office today. Check the number."
        )
    if problem.field in (None, "reference"):
        return gettext(
            "No booking has this reference and document number. Check both and try again."
        )
    return gettext("It is not there any more. Open the page again and try once more.")
