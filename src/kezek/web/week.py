"""The days a citizen chooses from: the whole booking horizon, a week at a time.

The page opens on the first day with a free place, however far ahead; a day strip shows
that day's week, Monday to Sunday, with the free places (people, not start times) of each
day, and links to the weeks before and after, as far as bookings are open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kezek.booking import service as booking_service
from kezek.booking.slots import Slot
from kezek.context import AppContext
from kezek.network.directory import OfficeInfo
from kezek.types import utcnow


@dataclass(frozen=True)
class DayPlaces:
    day: dt.date
    places: int  # free places: people who can still book that day
    capacity: int  # 0: the office does not take bookings that day
    open: bool  # within the days bookings are open for, and not over


@dataclass(frozen=True)
class Week:
    days: list[DayPlaces]
    chosen: dt.date | None
    slots: list[Slot]  # the chosen day's start times with a free place
    earlier: dt.date | None  # the Monday of the week before, if bookings reach it
    later: dt.date | None
    any_free: bool  # whether any day of the whole horizon has a free place
    horizon_days: int  # how many days ahead bookings open


def week_of(
    context: AppContext,
    office: OfficeInfo,
    service: str,
    *,
    day: str | None,
    week: str | None,
    round_code: str | None = None,
) -> Week:
    today = utcnow().astimezone(office.zone).date()
    last = today + dt.timedelta(days=context.rules.horizon_days)
    chosen = _date(day, today, last)
    monday = _date(week, today - dt.timedelta(days=6), last)
    any_free = True
    if chosen is None and monday is None:
        chosen = booking_service.first_free_day(context, office=office.code, service=service)
        any_free = chosen is not None
    monday = _monday(chosen or monday or today)
    found = booking_service.free_times(
        context,
        office=office.code,
        service=service,
        first=max(monday, today),
        last=min(monday + dt.timedelta(days=6), last),
        round_code=round_code,
    )
    days = _days(found.slots, found.places, office, monday, today, last)
    if chosen is None:  # a week asked for: its first day with a place
        chosen = next((d.day for d in days if d.places), None)
    return Week(
        days=days,
        chosen=chosen,
        slots=[
            s
            for s in found.slots
            if s.available > 0 and s.starts_at.astimezone(office.zone).date() == chosen
        ],
        earlier=monday - dt.timedelta(days=7) if monday > today else None,
        later=monday + dt.timedelta(days=7) if monday + dt.timedelta(days=7) <= last else None,
        any_free=any_free,
        horizon_days=context.rules.horizon_days,
    )


def _days(
    slots: list[Slot],
    places: dict[dt.date, int],
    office: OfficeInfo,
    monday: dt.date,
    today: dt.date,
    last: dt.date,
) -> list[DayPlaces]:
    capacity: dict[dt.date, int] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(office.zone).date()
        capacity[local] = capacity.get(local, 0) + slot.capacity
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    # Today without a time left to book (past the notice) is over, not "closed".
    return [
        DayPlaces(
            day,
            places.get(day, 0),
            capacity.get(day, 0),
            today < day <= last or (day == today and capacity.get(day, 0) > 0),
        )
        for day in week
    ]


def _date(text: str | None, first: dt.date, last: dt.date) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if first <= day <= last else None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
