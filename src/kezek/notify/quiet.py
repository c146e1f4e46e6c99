"""Quiet hours: nothing that can wait is sent at night in the recipient's zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """ "21-8" → (21, 8): from 21:00 to 08:00 local; empty: no quiet hours."""
    if not text:
        return None
    start, end = (int(part) for part in text.split("-"))
    return (start, end) if start != end else None


def out_of_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: tuple[int, int] | None) -> datetime:
    """``moment`` if it is outside the quiet hours, else the end of the quiet hours (UTC)."""
    if quiet is None:
        return moment
    start, end = quiet
    local = moment.astimezone(zone)
    hour = local.hour
    inside = start <= hour or hour < end if start > end else start <= hour < end
    if not inside:
        return moment
    day = local.date()
    if start > end and hour >= start:
        day += timedelta(days=1)
    # The wall-clock end hour on that day, resolved in the zone (a DST day has 23 or 25 hours).
    wake = datetime.combine(day, time(end), tzinfo=zone)
    return wake.astimezone(moment.tzinfo)
