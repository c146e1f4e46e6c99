"""A roster as a manager would draw it by hand: day by day, the longest useful shift first.

It keeps every rule the solver keeps, and is what the solver's roster is measured against
(``bench/roster.py``) and where the solver starts its search from.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from kezek.planning.roster_clerks import Clerk
from kezek.planning.roster_need import DayNeed
from kezek.planning.roster_result import Assignment, Roster, Solved
from kezek.planning.roster_shifts import (
    Shift,
    ShiftRules,
    Week,
    candidate_shifts,
    too_little_rest,
    week_of,
)


@dataclass
class _Load:
    """What a clerk has been given so far."""

    clerk: Clerk
    shifts: dict[int, Shift] = field(default_factory=dict)  # by day
    days: dict[Week, int] = field(default_factory=dict)
    minutes: dict[Week, int] = field(default_factory=dict)
    total: int = 0
    weekends: int = 0

    def can_take(self, shift: Shift, rules: ShiftRules) -> bool:
        clerk, week = self.clerk, week_of(shift.day)
        before = self.shifts.get(shift.day.toordinal() - 1)
        return (
            clerk.can_work(shift.day)
            and shift.day.toordinal() not in self.shifts
            and self.days.get(week, 0) < clerk.max_days_per_week
            and self.minutes.get(week, 0) + shift.minutes <= clerk.max_minutes_per_week
            and (before is None or not too_little_rest(before, shift, rules))
        )

    def take(self, shift: Shift) -> None:
        week = week_of(shift.day)
        self.shifts[shift.day.toordinal()] = shift
        self.days[week] = self.days.get(week, 0) + 1
        self.minutes[week] = self.minutes.get(week, 0) + shift.minutes
        self.total += shift.minutes
        self.weekends += shift.day.weekday() >= 5


def greedy_roster(needs: Sequence[DayNeed], clerks: Sequence[Clerk], rules: ShiftRules) -> Roster:
    began = time.perf_counter()
    loads = [_Load(clerk) for clerk in clerks]
    assignments: list[Assignment] = []
    for need in needs:
        assignments += _staff_day(need, loads, rules)
    return Roster(
        tuple(needs),
        tuple(clerks),
        tuple(sorted(assignments)),
        Solved("greedy", optimal=False, seconds=time.perf_counter() - began),
    )


def _staff_day(need: DayNeed, loads: list[_Load], rules: ShiftRules) -> list[Assignment]:
    """Fill the earliest slot still short with the shift that covers the most of what is
    still short, given to the least loaded clerk who may take it."""
    missing = list(need.windows)
    shifts = candidate_shifts(need, rules)
    given: list[Assignment] = []
    while True:
        short = [n for n, count in enumerate(missing) if count > 0]
        if not short:
            return given
        first = need.points[short[0]]
        useful = sorted(
            (s for s in shifts if s.start <= first < s.end),
            key=lambda s: (-_covers(need, missing, s), s.minutes, s.start),
        )
        for shift in useful:
            load = _least_loaded(loads, shift, rules)
            if load is not None:
                load.take(shift)
                given.append(Assignment(shift, load.clerk.name))
                _cover(need, missing, shift)
                break
        else:
            missing[short[0]] = 0  # nobody can take it: left short, counted by the roster


def _least_loaded(loads: list[_Load], shift: Shift, rules: ShiftRules) -> _Load | None:
    able = [load for load in loads if load.can_take(shift, rules)]
    weekend = shift.day.weekday() >= 5
    return min(able, key=lambda load: (weekend and load.weekends, load.total), default=None)


def _covers(need: DayNeed, missing: list[int], shift: Shift) -> int:
    return sum(
        end - start
        for (start, end, _), count in zip(need.slots(), missing, strict=True)
        if count > 0 and shift.start <= start < shift.end
    )


def _cover(need: DayNeed, missing: list[int], shift: Shift) -> None:
    for n, (start, _, _) in enumerate(need.slots()):
        if shift.start <= start < shift.end and missing[n] > 0:
            missing[n] -= 1
