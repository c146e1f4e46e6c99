"""What a round tells its applicants by SMS: a place to confirm, a waitlist number, a lapse.

No message carries the document number; the booking's reference and a link are enough.
"""

from __future__ import annotations

from datetime import datetime

from kezek.booking import notices
from kezek.booking.details import BookingDetails
from kezek.booking.reference import display_reference
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.notify.models import Channel
from kezek.notify.outbox import Address, Message
from kezek.notify.rules import NotifyRules
from kezek.rounds.models import DrawApplication


def offered(
    booking: BookingDetails,
    *,
    code: str,
    confirm_by: datetime,
    rules: NotifyRules,
    now: datetime,
) -> list[Message]:
    gettext = translations(booking.language).gettext
    formats = Formats(booking.language)
    zone = booking.office.zone
    body = gettext(
        "Draw %(round)s: you have a place on %(day)s at %(time)s, %(city)s. Ref %(reference)s. "
        "Confirm it by %(deadline)s: %(link)s"
    ) % {
        "round": code,
        "day": formats.numeric_day(booking.starts_at.astimezone(zone).date()),
        "time": formats.time(booking.starts_at, zone),
        "city": booking.office.city[booking.language],
        "reference": display_reference(booking.reference),
        "deadline": _when(confirm_by, booking),
        "link": rules.link(f"/b/{booking.reference}"),
    }
    subject = notices.subject_of(booking.reference)
    return _sms(rules, booking.phone, booking.language, subject, "draw_offered", body, now)


def lapsed(
    booking: BookingDetails, *, confirm_by: datetime, rules: NotifyRules, now: datetime
) -> list[Message]:
    gettext = translations(booking.language).gettext
    body = gettext(
        "Place %(reference)s was not confirmed by %(deadline)s and went to the next person "
        "on the waitlist."
    ) % {
        "reference": display_reference(booking.reference),
        "deadline": _when(confirm_by, booking),
    }
    subject = notices.subject_of(booking.reference)
    return _sms(rules, booking.phone, booking.language, subject, "draw_lapsed", body, now)


def waiting(
    application: DrawApplication, *, code: str, number: int, rules: NotifyRules, now: datetime
) -> list[Message]:
    gettext = translations(application.language).gettext
    body = gettext(
        "Draw %(round)s: no place this time. You are number %(number)s on the waitlist; "
        "we will write if a place frees up for you."
    ) % {"round": code, "number": number}
    subject = f"draw:{code}:{application.entry_key[:16]}"
    return _sms(rules, application.phone, application.language, subject, "draw_waiting", body, now)


def _when(at: datetime, booking: BookingDetails) -> str:
    formats = Formats(booking.language)
    zone = booking.office.zone
    return f"{formats.numeric_day(at.astimezone(zone).date())} {formats.time(at, zone)}"


def _sms(
    rules: NotifyRules,
    phone: str,
    language: str,
    subject: str,
    kind: str,
    body: str,
    now: datetime,
) -> list[Message]:
    if not rules.on(Channel.sms):
        return []
    key = f"{subject}:{kind}:{int(now.timestamp() * 1000)}"
    return [Message(key, subject, kind, Address(Channel.sms, phone, language), body, now)]
