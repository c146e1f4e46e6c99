"""The shifts a clerk can be given on a day, and the rules that tie one shift to another.

A shift is one contiguous span from a slot's edge to a later slot's edge: the clerk staffs
a window in every open minute of it, and is paid for all of it, a lunch break included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kezek.network.calendar import hhmm
from kezek.planning.roster_need import DayNeed

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class ShiftRules:
    min_minutes: int = 4 * 60
    max_minutes: int = 9 * 60  # eight hours' work and an hour's lunch
    rest_minutes: int = 11 * 60  # between the end of one shift and the next day's start

    def __post_init__(self) -> None:
        if not 0 < self.min_minutes <= self.max_minutes <= MINUTES_PER_DAY:
            raise ValueError("shifts need 0 < minimum length <= maximum length <= 24 hours")


@dataclass(frozen=True, order=True)
class Shift:
    day: date
    start: int  # local minutes since midnight
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def hours(self) -> str:
        return f"{hhmm(self.start)}-{hhmm(self.end)}"


Week = tuple[int, int]  # ISO year and week: the law's weekly limits run Monday to Sunday


def week_of(day: date) -> Week:
    year, week, _ = day.isocalendar()
    return year, week


def candidate_shifts(need: DayNeed, rules: ShiftRules) -> list[Shift]:
    """Every shift worth giving on the day, earliest first.

    A shift whose first or last slot needs no window (a lunch break) is left out when it
    could be cut short there and still be long enough: the shorter shift covers the same
    windows for fewer hours, so no best roster uses the longer one. A day open for less
    than the shortest shift gets one shift from its opening to its closing, or no clerk
    could ever staff it.
    """
    points, windows = need.points, need.windows
    if need.closes - need.opens < rules.min_minutes:
        return [Shift(need.day, need.opens, need.closes)]
    shifts = []
    for first, start in enumerate(points):
        for last in range(first + 1, len(points)):
            end = points[last]
            if end - start > rules.max_minutes:
                break
            if end - start < rules.min_minutes or not any(windows[first:last]):
                continue
            trims_start = windows[first] == 0 and end - points[first + 1] >= rules.min_minutes
            trims_end = windows[last - 1] == 0 and points[last - 1] - start >= rules.min_minutes
            if not (trims_start or trims_end):
                shifts.append(Shift(need.day, start, end))
    return shifts


def too_little_rest(earlier: Shift, later: Shift, rules: ShiftRules) -> bool:
    """Whether ``later``, on the day after ``earlier``'s, starts before its clerk has rested."""
    return (later.day - earlier.day).days == 1 and rest_between(
        earlier.day, earlier.end, later.day, later.start
    ) < rules.rest_minutes


def rest_between(end_day: date, end: int, start_day: date, start: int) -> int:
    """Minutes from a shift's end to a later shift's start (local times, as the office's
    clock shows them)."""
    return (start_day - end_day).days * MINUTES_PER_DAY + start - end
