"""Opening hours as plain values: weekly hours, window shifts, closures and surge hours.

Pure code with no database, so that slot generation and the planner can share it and
property tests can drive it directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from kezek.i18n import N_
from kezek.network.messages import Message

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, order=True)
class TimeRange:
    """Local wall-clock minutes since midnight, ``opens`` inclusive, ``closes`` exclusive."""

    opens: int
    closes: int

    def __post_init__(self) -> None:
        if not 0 <= self.opens < self.closes <= MINUTES_PER_DAY:
            raise Message(N_("%(range)s must open before it closes, within one day"), range=self)

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        match = _RANGE.match(text)
        if not match:
            raise Message(
                N_("'%(text)s' is not a time range; write it as \"09:00-13:00\""), text=text
            )
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise Message(
                N_("'%(text)s' has an impossible time; hours run 00:00 to 24:00"), text=text
            )
        opens, closes = h1 * 60 + m1, h2 * 60 + m2
        if opens >= closes:
            raise Message(
                N_(
                    "'%(text)s' closes before it opens; a range must stay within one day, "
                    "so split a night shift into two ranges on two days"
                ),
                text=text,
            )
        return cls(opens, closes)

    def __str__(self) -> str:
        return f"{hhmm(self.opens)}-{hhmm(self.closes)}"

    @property
    def minutes(self) -> int:
        return self.closes - self.opens

    @property
    def opening(self) -> str:
        """The wall-clock time it opens, as 09:00."""
        return hhmm(self.opens)


def hhmm(minutes: int) -> str:
    """Minutes after midnight as the wall-clock time, 09:00."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def merge_ranges(ranges: Iterable[TimeRange]) -> tuple[TimeRange, ...]:
    """Union of ranges, sorted, with touching or overlapping ranges joined."""
    merged: list[TimeRange] = []
    for current in sorted(ranges):
        if merged and current.opens <= merged[-1].closes:
            last = merged.pop()
            current = TimeRange(last.opens, max(last.closes, current.closes))
        merged.append(current)
    return tuple(merged)


@dataclass(frozen=True)
class WeeklyHours:
    """Ranges per weekday, Monday = 0."""

    days: Mapping[int, tuple[TimeRange, ...]] = field(default_factory=dict)

    def on(self, day: date) -> tuple[TimeRange, ...]:
        return self.days.get(day.weekday(), ())


@dataclass(frozen=True)
class Closure:
    """Whole days when the office is shut, such as a public holiday."""

    first: date
    last: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class ExtraHours:
    """Dated hours added for a surge: an extended evening or an extra Saturday.

    ``windows`` empty means every window of the office.
    """

    day: date
    ranges: tuple[TimeRange, ...]
    windows: frozenset[str] = frozenset()
    note: str = ""

    def applies_to(self, window_code: str) -> bool:
        return not self.windows or window_code in self.windows


@dataclass(frozen=True)
class OfficeCalendar:
    weekly: WeeklyHours
    closures: tuple[Closure, ...] = ()
    extra: tuple[ExtraHours, ...] = ()

    def is_closed(self, day: date) -> bool:
        # Asked for every window of every day of a plan's many variants: kept per day.
        known = self._closed_on.get(day)
        if known is None:
            known = self._closed_on[day] = any(closure.covers(day) for closure in self.closures)
        return known

    @cached_property
    def _closed_on(self) -> dict[date, bool]:
        return {}

    @cached_property
    def _staffed(self) -> dict[tuple[str, date], tuple[TimeRange, ...]]:
        return {}


@dataclass(frozen=True)
class WindowPlan:
    """What slot generation needs to know of one window (counter)."""

    code: str
    services: frozenset[str]
    bookable: bool = True
    group: str | None = None
    shifts: WeeklyHours | None = None  # None: the office's weekly hours

    @cached_property
    def pool(self) -> str:
        """Windows with the same services share bookable capacity."""
        return ",".join(sorted(self.services))


def window_hours(calendar: OfficeCalendar, window: WindowPlan, day: date) -> tuple[TimeRange, ...]:
    """Local ranges in which ``window`` is staffed on ``day``; a closure wins over everything.

    Kept per window and day: a plan asks for every day of its many variants."""
    key = (window.code, day)
    known = calendar._staffed.get(key)
    if known is None:
        known = calendar._staffed[key] = _window_hours(calendar, window, day)
    return known


def _window_hours(calendar: OfficeCalendar, window: WindowPlan, day: date) -> tuple[TimeRange, ...]:
    if calendar.is_closed(day):
        return ()
    weekly = window.shifts if window.shifts is not None else calendar.weekly
    extra = [
        time_range
        for hours in calendar.extra
        if hours.day == day and hours.applies_to(window.code)
        for time_range in hours.ranges
    ]
    return merge_ranges([*weekly.on(day), *extra])
