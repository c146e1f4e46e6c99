"""A booking as an iCalendar file (RFC 5545), for the phone's calendar.

The entry says what the confirmation says (when to come, the kiosk, the lateness rule, the
office's hours and phone), in the reader's language, with the office on the map (GEO) and
a link back to the booking's page.

A booking moved or cancelled is sent again as the same entry (its UID is the reference)
with a higher SEQUENCE, so that the calendar changes the entry it holds rather than add a
second; a cancelled one says STATUS:CANCELLED and has no alarm.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kezek.booking.details import BookingDetails
from kezek.booking.models import BookingStatus
from kezek.booking.reference import display_reference
from kezek.booking.visit import VisitAdvice
from kezek.booking.visit_text import visit_lines


def calendar_file(
    booking: BookingDetails, *, language: str, host: str, page: str, advice: VisitAdvice
) -> str:
    office, service = booking.office, booking.service
    reference = display_reference(booking.reference)
    description = "\n".join([reference, *visit_lines(booking, advice, language), page])
    cancelled = booking.status == BookingStatus.cancelled
    alarm = [
        "BEGIN:VALARM",
        "TRIGGER:-PT2H",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_text(service.name[language])}",
        "END:VALARM",
    ]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kezek//Booking//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.reference}@{host}",
        f"SEQUENCE:{booking.calendar_sequence}",
        f"DTSTAMP:{_utc(datetime.now(UTC))}",
        "STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED",
        f"DTSTART:{_utc(booking.starts_at)}",
        f"DTEND:{_utc(booking.ends_at)}",
        f"SUMMARY:{_text(service.name[language])} ({reference})",
        f"LOCATION:{_text(office.name[language] + ', ' + office.address[language])}",
        f"GEO:{office.latitude};{office.longitude}",
        f"URL:{page}",
        f"DESCRIPTION:{_text(description)}",
        *([] if cancelled else alarm),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)
