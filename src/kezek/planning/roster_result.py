"""A roster and what it comes to: clerk-hours, the windows it leaves unstaffed, fairness.

Everything here is counted from the shifts themselves, not taken from the solver, so a
roster from CP-SAT and one from the greedy rule are judged by the same ruler.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from kezek.planning.roster_clerks import Clerk
from kezek.planning.roster_need import DayNeed, window_minutes
from kezek.planning.roster_shifts import Shift


@dataclass(frozen=True, order=True)
class Assignment:
    shift: Shift
    clerk: str


@dataclass(frozen=True)
class Shortage:
    """Clerks missing on a day from ``start`` to ``end``: the ones to hire or borrow."""

    day: date
    start: int
    end: int
    clerks: int


@dataclass(frozen=True)
class Solved:
    """How the roster was found."""

    method: str  # "CP-SAT" or "greedy"
    optimal: bool  # proven: no roster is better by the objective
    seconds: float
    objective: int | None = None
    objective_bound: int | None = None
    # Proven: no roster without shortage has fewer clerk-minutes. The window-minutes when
    # the solver proved nothing more.
    minutes_bound: int | None = None


@dataclass(frozen=True)
class Roster:
    needs: tuple[DayNeed, ...]
    clerks: tuple[Clerk, ...]
    assignments: tuple[Assignment, ...]  # sorted by day, start, then clerk
    solved: Solved

    @property
    def clerk_minutes(self) -> int:
        return sum(a.shift.minutes for a in self.assignments)

    @property
    def window_minutes(self) -> int:
        return window_minutes(self.needs)

    @property
    def minutes_bound(self) -> int:
        return max(self.solved.minutes_bound or 0, self.window_minutes)

    @cached_property
    def staffed(self) -> dict[date, tuple[int, ...]]:
        """Clerks on shift in each slot of each day."""
        found: dict[date, list[int]] = {need.day: [0] * len(need.windows) for need in self.needs}
        by_day = {need.day: need for need in self.needs}
        for assignment in self.assignments:
            shift = assignment.shift
            for n, (start, _, _) in enumerate(by_day[shift.day].slots()):
                if shift.start <= start < shift.end:
                    found[shift.day][n] += 1
        return {day: tuple(counts) for day, counts in found.items()}

    def short(self, need: DayNeed) -> tuple[int, ...]:
        """Clerks missing in each slot of the day."""
        staffed = self.staffed[need.day]
        return tuple(max(0, w - s) for w, s in zip(need.windows, staffed, strict=True))

    @property
    def short_minutes(self) -> int:
        return sum(
            (end - start) * missing
            for need in self.needs
            for (start, end, _), missing in zip(need.slots(), self.short(need), strict=True)
        )

    @property
    def shortages(self) -> list[Shortage]:
        return [found for need in self.needs for found in shortages_of(need, self.short(need))]

    @property
    def weekend_shifts(self) -> dict[str, int]:
        """Saturday and Sunday shifts by clerk, every clerk listed."""
        counted = Counter(a.clerk for a in self.assignments if a.shift.day.weekday() >= 5)
        return {clerk.name: counted[clerk.name] for clerk in self.clerks}

    @property
    def weekend_range(self) -> tuple[int, int] | None:
        """The fewest and the most weekend shifts of the clerks who can work a weekend day
        of the period; None if no weekend day is open."""
        days = [need.day for need in self.needs if need.weekend]
        shifts = self.weekend_shifts
        able = [shifts[c.name] for c in self.clerks if any(c.can_work(day) for day in days)]
        return (min(able), max(able)) if able else None

    @property
    def used(self) -> set[str]:
        return {a.clerk for a in self.assignments}

    def of(self, clerk: str) -> list[Shift]:
        return [a.shift for a in self.assignments if a.clerk == clerk]


def shortages_of(need: DayNeed, short: tuple[int, ...]) -> list[Shortage]:
    """The day's missing clerks as time ranges: slots with the same count are joined, and
    so are two runs with a break that needs nobody between them, so that a day short of 3
    clerks reads "09:00-18:00: 3" across the lunch break."""
    found: list[Shortage] = []
    run: Shortage | None = None
    for (start, end, windows), missing in zip(need.slots(), short, strict=True):
        if windows == 0:
            continue  # a break: neither ends a run nor starts one
        if run is not None and missing == run.clerks:
            run = Shortage(need.day, run.start, end, missing)
            continue
        if run is not None:
            found.append(run)
        run = Shortage(need.day, start, end, missing) if missing else None
    if run is not None:
        found.append(run)
    return found
