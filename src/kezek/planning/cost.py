"""What an office's added windows and hours cost, in usual window-days and in money.

A window open on a weekday is one window-day, whatever its hours, as a clerk's day is
paid. A window open on a Saturday or Sunday costs ``saturday_cost_factor`` window-days,
and the hours of the allowed evenings cost ``evening_cost_factor`` usual hours each: the
Labour Code pays more for them, so the planner weighs them so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from kezek.network.calendar import TimeRange
from kezek.planning.scenario_offices import PlanningOffice

WEEKEND = (5, 6)


@dataclass(frozen=True)
class Staffed:
    """One office's windows over a period, by how they are paid."""

    days: int = 0  # windows open on weekdays
    weekend_days: int = 0  # windows open on Saturdays and Sundays
    evening_minutes: int = 0  # window-minutes within the allowed evenings
    minutes: int = 0  # every window-minute

    def __add__(self, other: Staffed) -> Staffed:
        return Staffed(
            self.days + other.days,
            self.weekend_days + other.weekend_days,
            self.evening_minutes + other.evening_minutes,
            self.minutes + other.minutes,
        )

    def __sub__(self, other: Staffed) -> Staffed:
        return Staffed(
            max(0, self.days - other.days),
            max(0, self.weekend_days - other.weekend_days),
            max(0, self.evening_minutes - other.evening_minutes),
            max(0, self.minutes - other.minutes),
        )


@dataclass(frozen=True)
class AddedCost:
    """Beyond today's windows: what was added, and its weight in usual window-days."""

    added: Staffed
    usual_day_minutes: int
    saturday_factor: float
    evening_factor: float

    @property
    def staff_hours(self) -> float:
        return self.added.minutes / 60

    @property
    def weighted_days(self) -> float:
        """Usual window-days costing as much as what was added."""
        added = self.added
        evenings = added.evening_minutes / self.usual_day_minutes if self.usual_day_minutes else 0
        return (
            added.days + added.weekend_days * self.saturday_factor + evenings * self.evening_factor
        )

    def money(self, per_window_day: float | None) -> float | None:
        return None if per_window_day is None else self.weighted_days * per_window_day


def added_cost(
    today: PlanningOffice, planned: PlanningOffice, start: dt.date, days: int
) -> AddedCost:
    """What ``planned`` adds to ``today`` over ``days`` days from ``start``."""
    dates = [start + dt.timedelta(days=n) for n in range(days)]
    evenings = planned.evening_ranges
    before = sum((_staffed(today, day, evenings) for day in dates), Staffed())
    after = sum((_staffed(planned, day, evenings) for day in dates), Staffed())
    return AddedCost(
        after - before,
        usual_day_minutes(today, start),
        planned.saturday_cost_factor,
        planned.evening_cost_factor,
    )


def usual_day_minutes(office: PlanningOffice, start: dt.date) -> int:
    """The most common minutes one window works on an open weekday of the next fortnight."""
    counts: Counter[int] = Counter()
    for n in range(14):
        day = start + dt.timedelta(days=n)
        if day.weekday() in WEEKEND:
            continue
        for window in office.windows_on(day):
            minutes = sum(closes - opens for opens, closes in window.intervals)
            if minutes:
                counts[minutes] += 1
    return counts.most_common(1)[0][0] if counts else 8 * 60


def _staffed(office: PlanningOffice, day: dt.date, evenings: tuple[TimeRange, ...]) -> Staffed:
    windows = minutes = evening = 0
    for window in office.windows_on(day):
        windows += bool(window.intervals)
        for opens, closes in window.intervals:
            minutes += closes - opens
            evening += sum(
                max(0, min(closes, late.closes) - max(opens, late.opens)) for late in evenings
            )
    if day.weekday() in WEEKEND:
        return Staffed(weekend_days=windows, minutes=minutes)
    return Staffed(days=windows, evening_minutes=evening, minutes=minutes)
