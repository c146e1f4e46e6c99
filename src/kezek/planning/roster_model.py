"""The roster as a CP-SAT model: which clerk works which shift, day by day.

Two levels keep the model small enough to solve a month for seventy clerks in seconds:

- per day and candidate shift (``roster_shifts``), how many clerks work it: the windows
  are covered by these counts;
- per clerk and day, a yes/no for each *kind* of shift: its length, which is all the
  weekly limits and fairness need, since a clerk who can work a day can work any shift of
  it. Which clerk takes which of the day's shifts of a kind is then any matching.

The one rule that needs the hours themselves, the rest between days, bites only where a
day closes late before one that opens early. There a shift's kind holds its end (or its
start) too, and only if that end is late enough (or that start early enough) to matter:
a roster for offices that never stay open late has the lengths alone.

The objective is lexicographic, by weights far enough apart that no amount of a lesser
aim can pay for a unit of a greater one:

1. fewest clerk-minutes missing at the windows (shortage: a roster is always found, and
   the manager sees what to hire, rather than a bare "infeasible");
2. fewest clerk-minutes paid;
3. the fairest weekends: the fewest Saturday and Sunday shifts for the clerk with the most,
   then the smallest gap between that clerk and the one with the fewest;
4. the fewest clerks used.

Measured on Moscow's busiest month (``bench/roster.py``): this model is proven optimal in
about 3 s on two cores, where one yes/no per clerk, day and shift (93,000 of them) did not
improve on the greedy roster in 25 s. Clerks with the same days and limits are
interchangeable, but breaking that symmetry did not help: ordering them by their hours
left the roster 6% above the optimum after 25 s, ordering them by use changed nothing. It
is left to CP-SAT's own symmetry detection.

This is the only module that imports OR-Tools: the web server never loads it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from kezek.planning.roster_clerks import Clerk
from kezek.planning.roster_need import DayNeed
from kezek.planning.roster_shifts import (
    MINUTES_PER_DAY,
    Shift,
    ShiftRules,
    candidate_shifts,
    rest_between,
    week_of,
)

Expression = cp_model.LinearExpr


@dataclass(frozen=True)
class Kind:
    """Shifts of a day that are the same to every rule: the same length, and the same start
    and end where the rest between days can tell them apart (None where it cannot)."""

    minutes: int
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Option:
    """A clerk's choice on a day: a shift of this kind."""

    kind: Kind
    chosen: cp_model.IntVar

    @property
    def minutes(self) -> int:
        return self.kind.minutes


@dataclass(frozen=True)
class Weights:
    """What one unit of each aim weighs in the objective."""

    short_minute: int
    clerk_minute: int
    fairness: int
    clerk: int = 1


class RosterModel:
    def __init__(
        self,
        needs: Sequence[DayNeed],
        clerks: Sequence[Clerk],
        rules: ShiftRules,
        *,
        shortage: bool = True,
    ):
        """``shortage=False`` when a roster without shortage is known (the greedy one): then
        the windows must be covered, and the model is the smaller and the faster for it."""
        self.model = cp_model.CpModel()
        self.needs, self.clerks, self.rules = list(needs), list(clerks), rules
        self.shifts = [candidate_shifts(need, rules) for need in self.needs]
        self.kinds = self._kinds()
        # How many clerks work each shift, by day: the windows are covered with these.
        self.counts: list[dict[Shift, cp_model.IntVar]] = [
            {s: self.model.new_int_var(0, _most_needed(need, s), f"n {s}") for s in shifts}
            for need, shifts in zip(self.needs, self.shifts, strict=True)
        ]
        self.options: dict[tuple[int, int], list[Option]] = {}  # by (clerk, day)
        for d in range(len(self.needs)):
            for c in range(len(self.clerks)):
                self._add_options(c, d)
        for options in self.options.values():
            self.model.add_at_most_one(option.chosen for option in options)
        self._link_counts()
        self._weekly_limits()
        self._rest()
        self.short = self._coverage(shortage)
        self.most, self.fewest, fairness, most_fairness = self._weekend_fairness()
        self.used = self._clerks_used()
        self.weights = self._weights(most_fairness)
        w = self.weights
        short_minutes = _sum((end - start) * short for (_, start, end), short in self.short.items())
        self.model.minimize(
            w.short_minute * short_minutes
            + w.clerk_minute * self.minutes()
            + w.fairness * fairness
            + w.clerk * _sum(self.used.values())
        )

    def _kinds(self) -> list[dict[Shift, Kind]]:
        """Each day's shifts by kind. A start counts only if it can come too soon after
        the day before closes, and an end only if it can come too late before the day after
        opens; elsewhere the length is the whole of a shift's kind."""
        rest = self.rules.rest_minutes
        kinds = []
        for d, (need, shifts) in enumerate(zip(self.needs, self.shifts, strict=True)):
            before = self.needs[d - 1] if d > 0 else None
            after = self.needs[d + 1] if d + 1 < len(self.needs) else None
            # Starts before ``earliest`` can follow the day before's latest close too soon,
            # and ends after ``latest`` can come too late before the day after's opening.
            earliest = latest = None
            if before is not None and _next(before, need):
                earliest = before.closes + rest - MINUTES_PER_DAY
            if after is not None and _next(need, after):
                latest = after.opens - rest + MINUTES_PER_DAY
            kinds.append(
                {
                    s: Kind(
                        s.minutes,
                        s.start if earliest is not None and s.start < earliest else None,
                        s.end if latest is not None and s.end > latest else None,
                    )
                    for s in shifts
                }
            )
        return kinds

    def _add_options(self, c: int, d: int) -> None:
        clerk = self.clerks[c]
        if not clerk.can_work(self.needs[d].day):
            return
        kinds = dict.fromkeys(self.kinds[d].values())  # in the shifts' order: deterministic
        options = [
            Option(kind, self.model.new_bool_var(f"c{c} d{d} {kind}"))
            for kind in kinds
            if kind.minutes <= clerk.max_minutes_per_week
        ]
        if options:
            self.options[c, d] = options

    def _link_counts(self) -> None:
        """The clerks who choose a kind of shift on a day are as many as the clerks the
        day's shifts of that kind are given."""
        for d, counts in enumerate(self.counts):
            chosen: dict[Kind, list[cp_model.IntVar]] = defaultdict(list)
            for c in range(len(self.clerks)):
                for option in self.options.get((c, d), []):
                    chosen[option.kind].append(option.chosen)
            given: dict[Kind, list[cp_model.IntVar]] = defaultdict(list)
            for shift, count in counts.items():
                given[self.kinds[d][shift]].append(count)
            for kind in chosen.keys() | given.keys():
                self.model.add(_sum(chosen[kind]) == _sum(given[kind]))

    def minutes(self) -> Expression:
        """Clerk-minutes paid."""
        return _sum(o.minutes * o.chosen for options in self.options.values() for o in options)

    def working(self, c: int, days: Iterable[int]) -> Expression:
        """Shifts clerk ``c`` works on ``days``."""
        return _sum(option.chosen for d in days for option in self.options.get((c, d), []))

    def _weekly_limits(self) -> None:
        weeks: dict[object, list[int]] = {}
        for d, need in enumerate(self.needs):
            weeks.setdefault(week_of(need.day), []).append(d)
        for c, clerk in enumerate(self.clerks):
            for all_days in weeks.values():
                # Only days inside the period count: a partial week holds fewer of them.
                days = [d for d in all_days if (c, d) in self.options]
                if len(days) > clerk.max_days_per_week:
                    self.model.add(self.working(c, days) <= clerk.max_days_per_week)
                options = [option for d in days for option in self.options[c, d]]
                longest = sum(max(o.minutes for o in self.options[c, d]) for d in days)
                if longest > clerk.max_minutes_per_week:
                    minutes = _sum(option.minutes * option.chosen for option in options)
                    self.model.add(minutes <= clerk.max_minutes_per_week)

    def _rest(self) -> None:
        """For each late end, at most one of the shifts ending at or after it and the next
        day's shifts starting too soon after it."""
        for d in range(len(self.needs) - 1):
            if not _next(self.needs[d], self.needs[d + 1]):
                continue
            for c in range(len(self.clerks)):
                today = self.options.get((c, d), [])
                tomorrow = self.options.get((c, d + 1), [])
                for end in sorted({o.kind.end for o in today if o.kind.end is not None}):
                    late = [o.chosen for o in today if (o.kind.end or 0) >= end]
                    early = [
                        o.chosen
                        for o in tomorrow
                        if o.kind.start is not None and self._too_soon(d, end, o.kind.start)
                    ]
                    if early:
                        self.model.add_at_most_one(late + early)

    def _too_soon(self, d: int, end: int, start: int) -> bool:
        """Whether a shift ending at ``end`` on day ``d`` leaves too little rest before one
        starting at ``start`` the day after."""
        today, tomorrow = self.needs[d].day, self.needs[d + 1].day
        return rest_between(today, end, tomorrow, start) < self.rules.rest_minutes

    def _coverage(self, shortage: bool) -> dict[tuple[int, int, int], cp_model.IntVar]:
        """Clerks on shift in each slot, and those missing, make up the windows open; the
        clerks missing by day and slot (start and end)."""
        missing = {}
        for d, need in enumerate(self.needs):
            for start, end, windows in need.slots():
                if windows == 0:
                    continue
                on = [n for s, n in self.counts[d].items() if s.start <= start < s.end]
                if not shortage:
                    self.model.add(_sum(on) >= windows)
                    continue
                short = self.model.new_int_var(0, windows, f"short d{d} {start}")
                self.model.add(_sum(on) + short >= windows)
                missing[d, start, end] = short
        return missing

    def _weekend_fairness(
        self,
    ) -> tuple[cp_model.IntVar | None, cp_model.IntVar | None, Expression, int]:
        """The most weekend shifts of any clerk, the fewest of those who can work a weekend
        day of the period, one score of the two, and the highest the score can be."""
        weekend = [d for d, need in enumerate(self.needs) if need.weekend]
        if not weekend:
            return None, None, _sum([]), 0
        count = len(weekend)
        most = self.model.new_int_var(0, count, "most weekend shifts")
        fewest = self.model.new_int_var(0, count, "fewest weekend shifts")
        for c in range(len(self.clerks)):
            shifts = self.working(c, weekend)
            self.model.add(shifts <= most)
            if any((c, d) in self.options for d in weekend):
                self.model.add(shifts >= fewest)
        return most, fewest, most * (count + 1) + most - fewest, count * (count + 1) + count

    def _clerks_used(self) -> dict[int, cp_model.IntVar]:
        used = {}
        days = list(range(len(self.needs)))
        for c in range(len(self.clerks)):
            if any((c, d) in self.options for d in days):
                flag = self.model.new_bool_var(f"clerk {c} used")
                # One constraint per clerk rather than one per shift: a weak link, but only
                # the least of the aims rests on it.
                self.model.add(self.working(c, days) <= len(days) * flag)
                used[c] = flag
        return used

    def _weights(self, most_fairness: int) -> Weights:
        fairness = len(self.clerks) + 1  # a point of fairness outweighs every clerk used
        clerk_minute = (most_fairness + 1) * fairness
        paid = sum(max(o.minutes for o in options) for options in self.options.values())
        return Weights(
            short_minute=clerk_minute * (paid + 1), clerk_minute=clerk_minute, fairness=fairness
        )


def _next(day: DayNeed | None, following: DayNeed | None) -> bool:
    """Whether ``following`` is the calendar day after ``day``."""
    return day is not None and following is not None and (following.day - day.day).days == 1


def _most_needed(need: DayNeed, shift: Shift) -> int:
    """No best roster puts more clerks on a shift than the most windows open in it."""
    return max(w for start, _, w in need.slots() if shift.start <= start < shift.end)


def _sum(terms: Iterable[cp_model.LinearExprT]) -> Expression:
    total: Expression = cp_model.LinearExpr.sum(list(terms))
    return total
