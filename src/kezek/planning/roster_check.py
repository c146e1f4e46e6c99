"""Every rule a roster must keep, checked on its shifts alone, whoever made it.

The solver and the greedy rule both keep these by construction; this is the independent
reading of the same rules that the tests and the benchmark hold them to.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from kezek.planning.roster_result import Roster
from kezek.planning.roster_shifts import Shift, ShiftRules, Week, too_little_rest, week_of


def broken_rules(roster: Roster, rules: ShiftRules) -> list[str]:
    """What is wrong with the roster, one sentence a problem; empty if nothing is."""
    clerks = {clerk.name: clerk for clerk in roster.clerks}
    open_days = {need.day: need for need in roster.needs}
    found: list[str] = []
    for name in sorted({a.clerk for a in roster.assignments}):
        shifts = sorted(roster.of(name))
        if name not in clerks:
            found.append(f"{name} is not in the clerks file")
            continue
        clerk = clerks[name]
        for shift in shifts:
            need = open_days.get(shift.day)
            if need is None or not need.opens <= shift.start < shift.end <= need.closes:
                found.append(f"{name} works {shift.day} {shift.hours}, outside the opening")
            if not clerk.can_work(shift.day):
                found.append(f"{name} cannot work on {shift.day}")
            if not _long_enough(shift, rules, need.closes - need.opens if need else 0):
                found.append(f"{name} works {shift.minutes} minutes on {shift.day}")
        found += _between_shifts(name, shifts, rules)
        found += _weekly(name, shifts, clerk.max_days_per_week, clerk.max_minutes_per_week)
    return found


def _long_enough(shift: Shift, rules: ShiftRules, opening: int) -> bool:
    shortest = min(rules.min_minutes, opening)  # a day open for less is worked whole
    return shortest <= shift.minutes <= rules.max_minutes


def _between_shifts(name: str, shifts: list[Shift], rules: ShiftRules) -> list[str]:
    found = []
    for earlier, later in pairwise(shifts):
        if earlier.day == later.day:
            found.append(f"{name} has two shifts on {earlier.day}")
        elif too_little_rest(earlier, later, rules):
            found.append(f"{name} rests too little between {earlier.day} and {later.day}")
    return found


def _weekly(name: str, shifts: list[Shift], days: int, minutes: int) -> list[str]:
    worked: dict[Week, list[Shift]] = defaultdict(list)
    for shift in shifts:
        worked[week_of(shift.day)].append(shift)
    found = []
    for (year, week), inside in sorted(worked.items()):
        if len(inside) > days:
            found.append(f"{name} works {len(inside)} days in week {week} of {year}")
        if sum(shift.minutes for shift in inside) > minutes:
            found.append(f"{name} works over {minutes / 60:g} hours in week {week} of {year}")
    return found
