"""The messages a booking's events write to the outbox, in the holder's language.

Confirmed, moved, cancelled, and the office closed on the booked day, each at once; and
two reminders, the day before at a set local hour and a set time before, in the office's
zone and never in the quiet hours, written when nearly due (``reminders``). Moving or
cancelling withdraws the reminders not yet sent. No message carries the document number:
the reference and a link are enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import Connection

from kezek.booking.calendar_file import calendar_file
from kezek.booking.details import BookingDetails
from kezek.booking.reference import display_reference
from kezek.booking.visit import visit_advice
from kezek.booking.visit_text import visit_lines
from kezek.i18n.catalogs import translations
from kezek.i18n.formats import Formats
from kezek.notify.models import Channel
from kezek.notify.outbox import Address, Message, contacts, enqueue, withdraw
from kezek.notify.quiet import out_of_quiet_hours
from kezek.notify.rules import NotifyRules

REMINDER_KINDS = ("reminder_day_before", "reminder_soon")
# A reminder closer than this to the visit (after the quiet hours pushed it) is not sent.
LAST_USEFUL = timedelta(minutes=30)


def subject_of(reference: str) -> str:
    return f"booking:{reference}"


def tell(
    connection: Connection,
    booking: BookingDetails,
    event: Literal["moved", "cancelled", "office_closed"],
    *,
    rules: NotifyRules,
    now: datetime,
) -> int:
    """Withdraw the reminders an event makes untrue and write its messages; how many."""
    subject = subject_of(booking.reference)
    # A move or a cancellation also makes a closure notice still waiting for the morning
    # untrue ("please move"); a closure told again must not withdraw its own notice.
    untrue = REMINDER_KINDS if event == "office_closed" else (*REMINDER_KINDS, "office_closed")
    withdraw(connection, subject=subject, kinds=untrue)
    to = addresses(booking, rules, contacts(connection, subject))
    write = {"moved": moved, "cancelled": cancelled, "office_closed": office_closed}[event]
    return enqueue(connection, write(booking, to=to, rules=rules, now=now), now=now)


def addresses(
    booking: BookingDetails, rules: NotifyRules, chosen: Sequence[Address]
) -> list[Address]:
    """The phone's SMS, and the channels the holder added, those that are on."""
    found = []
    if rules.on(Channel.sms):
        found.append(Address(Channel.sms, booking.phone, booking.language))
    found += [to for to in chosen if rules.on(to.channel) and to.channel is not Channel.sms]
    return found


def confirmed(
    booking: BookingDetails, *, to: Sequence[Address], rules: NotifyRules, now: datetime
) -> list[Message]:
    """The confirmation, at once; the reminders are written when nearly due (``reminders``)."""
    return _tell(booking, "confirmed", to=to, rules=rules, due=now, key=_key(booking, "confirmed"))


def moved(
    booking: BookingDetails, *, to: Sequence[Address], rules: NotifyRules, now: datetime
) -> list[Message]:
    stamp = _stamp(now)
    return _tell(booking, "moved", to=to, rules=rules, due=now, key=_key(booking, "moved", stamp))


def cancelled(
    booking: BookingDetails, *, to: Sequence[Address], rules: NotifyRules, now: datetime
) -> list[Message]:
    return _tell(booking, "cancelled", to=to, rules=rules, due=now, key=_key(booking, "cancelled"))


def office_closed(
    booking: BookingDetails, *, to: Sequence[Address], rules: NotifyRules, now: datetime
) -> list[Message]:
    """The office will not open on the booked day: the holder is asked to move the booking."""
    due = out_of_quiet_hours(now, booking.office.zone, rules.quiet_hours)
    day = booking.starts_at.astimezone(booking.office.zone).date()
    key = closure_key(booking.reference, day)
    return _tell(booking, "office_closed", to=to, rules=rules, due=due, key=key)


def closure_key(reference: str, day: date) -> str:
    """What the closure notices of a booking's day start their keys with."""
    return ":".join([subject_of(reference), "closed", day.isoformat()])


def reminder_times(
    booking: BookingDetails, rules: NotifyRules, *, changed_at: datetime
) -> list[tuple[str, datetime]]:
    """The reminders worth sending for the booking as it was booked or moved at
    ``changed_at``, each with when it is due; none when no channel is on."""
    if not rules.channels:
        return []
    zone = booking.office.zone
    visit_day = booking.starts_at.astimezone(zone).date()
    wanted = []
    day_before = datetime.combine(
        visit_day - timedelta(days=1), time(rules.reminder_day_before_hour), tzinfo=zone
    )
    wanted.append(("reminder_day_before", day_before))
    if rules.reminder_before_minutes:
        wanted.append(
            ("reminder_soon", booking.starts_at - timedelta(minutes=rules.reminder_before_minutes))
        )
    found = []
    for kind, at in wanted:
        due = out_of_quiet_hours(at, zone, rules.quiet_hours)
        # Hardly later than the confirmation: the confirmation says it all.
        if due > changed_at + timedelta(minutes=5) and still_true(kind, due, booking=booking):
            found.append((kind, due))
    return found


def first_reminder_at(
    booking: BookingDetails, rules: NotifyRules, *, changed_at: datetime
) -> datetime | None:
    """What ``Booking.remind_at`` starts as."""
    return min(
        (due for _, due in reminder_times(booking, rules, changed_at=changed_at)), default=None
    )


def still_true(kind: str, at: datetime, *, booking: BookingDetails) -> bool:
    """Whether a reminder that arrives at ``at`` is still useful and true."""
    if at > booking.starts_at - LAST_USEFUL:  # too close to (or past) the visit
        return False
    zone = booking.office.zone
    arrives_on = at.astimezone(zone).date()
    visit_day = booking.starts_at.astimezone(zone).date()
    # Each text names its day: "tomorrow" must arrive the day before, "today" on the day.
    if kind == "reminder_day_before":
        return arrives_on == visit_day - timedelta(days=1)
    return arrives_on == visit_day


def reminders(
    booking: BookingDetails,
    times: Sequence[tuple[str, datetime]],
    *,
    to: Sequence[Address],
    rules: NotifyRules,
    changed_at: datetime,
) -> list[Message]:
    """The reminders at these times. Their keys name the booking's last change, so that
    whoever writes them (the reminders' pass, a chat that follows the booking) writes
    each once, and a move writes new ones."""
    stamp = _stamp(changed_at)
    messages: list[Message] = []
    for kind, due in times:
        key = _key(booking, kind, stamp)
        messages += _tell(booking, kind, to=to, rules=rules, due=due, key=key)
    return messages


def _tell(
    booking: BookingDetails,
    kind: str,
    *,
    to: Sequence[Address],
    rules: NotifyRules,
    due: datetime,
    key: str,
) -> list[Message]:
    messages = []
    for address in to:
        short = short_text(booking, kind, language=address.language, rules=rules)
        subject_line = ""
        calendar = None
        body = short
        if address.channel is Channel.email:
            subject_line, body = _email(booking, kind, address.language, short)
            if kind in ("confirmed", "moved", "cancelled"):  # the entry, changed or struck
                calendar = _calendar(booking, address.language, rules)
        elif address.channel is Channel.telegram and kind in ("confirmed", "moved"):
            advice = visit_advice(booking.office, booking.starts_at)
            body = "\n\n".join([short, *visit_lines(booking, advice, address.language)])
        messages.append(
            Message(
                key=key,
                subject=subject_of(booking.reference),
                kind=kind,
                to=address,
                body=body,
                due_at=due,
                subject_line=subject_line,
                calendar=calendar,
            )
        )
    return messages


def short_text(booking: BookingDetails, kind: str, *, language: str, rules: NotifyRules) -> str:
    """The SMS text: two Cyrillic SMS parts at most, with a public address of 40 characters
    and the longest city name (tests/integration/messages/test_sms_length.py)."""
    gettext = translations(language).gettext
    formats = Formats(language)
    zone = booking.office.zone
    values = {
        "reference": display_reference(booking.reference),
        "day": formats.numeric_day(booking.starts_at.astimezone(zone).date()),
        "time": formats.time(booking.starts_at, zone),
        "city": booking.office.city[language],
        "link": rules.link(f"/b/{booking.reference}"),
    }
    texts = {
        "confirmed": gettext("Booked: %(day)s %(time)s, %(city)s. Ref %(reference)s. %(link)s"),
        "moved": gettext("Moved to %(day)s %(time)s, %(city)s. Ref %(reference)s. %(link)s"),
        "cancelled": gettext(
            "Booking %(reference)s (%(day)s %(time)s) is cancelled. To book again: %(link)s"
        ),
        "office_closed": gettext(
            "The office in %(city)s is closed on %(day)s. Please move booking "
            "%(reference)s: %(link)s"
        ),
        "reminder_day_before": gettext(
            "Reminder: tomorrow %(time)s, %(city)s. Ref %(reference)s. %(link)s"
        ),
        "reminder_soon": gettext(
            "Reminder: today %(time)s, %(city)s. Ref %(reference)s. Bring your passport."
        ),
    }
    return texts[kind] % values


def _email(booking: BookingDetails, kind: str, language: str, short: str) -> tuple[str, str]:
    gettext = translations(language).gettext
    reference = display_reference(booking.reference)
    subjects = {
        "confirmed": gettext("Your booking %(reference)s is confirmed"),
        "moved": gettext("Your booking %(reference)s is moved"),
        "cancelled": gettext("Your booking %(reference)s is cancelled"),
        "office_closed": gettext("The office is closed on your booked day"),
        "reminder_day_before": gettext("Reminder: your visit tomorrow"),
        "reminder_soon": gettext("Reminder: your visit today"),
    }
    lines = [short, "", booking.service.name[language], booking.office.name[language]]
    lines.append(booking.office.address[language])
    if kind in ("confirmed", "moved", "reminder_day_before"):
        advice = visit_advice(booking.office, booking.starts_at)
        lines += ["", *visit_lines(booking, advice, language)]
    return subjects[kind] % {"reference": reference}, "\n".join(lines)


def _calendar(booking: BookingDetails, language: str, rules: NotifyRules) -> str:
    advice = visit_advice(booking.office, booking.starts_at)
    page = rules.link(f"/b/{booking.reference}")
    host = rules.public_url.split("://", 1)[-1].split("/", 1)[0] or "kezek"
    return calendar_file(booking, language=language, host=host, page=page, advice=advice)


def _key(booking: BookingDetails, kind: str, *parts: str) -> str:
    return ":".join([subject_of(booking.reference), kind, *parts])


def _stamp(now: datetime) -> str:
    """Each move writes its own reminders and notice, even back to an earlier time."""
    return str(int(now.timestamp() * 1000))
