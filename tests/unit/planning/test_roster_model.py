"""The roster model on instances small enough to know the best roster by hand or by trying
every roster there is."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np

from kezek.network.calendar import TimeRange
from kezek.planning.roster_check import broken_rules
from kezek.planning.roster_clerks import Clerk
from kezek.planning.roster_need import DayNeed, day_need
from kezek.planning.roster_result import Roster, Shortage
from kezek.planning.roster_shifts import Shift, ShiftRules, candidate_shifts, too_little_rest
from kezek.planning.roster_solve import solve_roster

MONDAY = date(2025, 4, 14)
LUNCH = "09:00-13:00 14:00-18:00"


def need(day: date, *rows: tuple[str, int]) -> DayNeed:
    return day_need(day, [(tuple(TimeRange.parse(r) for r in h.split()), n) for h, n in rows])


def clerks(
    *names: str, max_days_per_week: int = 5, max_minutes_per_week: int = 2400
) -> list[Clerk]:
    return [
        Clerk(name, max_days_per_week=max_days_per_week, max_minutes_per_week=max_minutes_per_week)
        for name in names
    ]


def solve(needs: list[DayNeed], staff: list[Clerk], rules: ShiftRules | None = None) -> Roster:
    rules = rules or ShiftRules()
    roster = solve_roster(needs, staff, rules, seconds=20, workers=2)
    assert broken_rules(roster, rules) == []
    assert roster.solved.method == "CP-SAT" and roster.solved.optimal
    return roster


def at(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def test_every_open_slot_is_staffed_and_the_lunch_break_by_no_one() -> None:
    day = need(MONDAY, (LUNCH, 3))

    roster = solve([day], clerks(*"ABCDEF"))

    for (start, _, windows), staffed in zip(day.slots(), roster.staffed[MONDAY], strict=True):
        assert staffed >= windows, start
    assert [w for s, _, w in day.slots() if at("13:00") <= s < at("14:00")] == [0, 0]
    # Six clerks for three windows: each works a half day, and nobody is paid for lunch.
    assert roster.clerk_minutes == 3 * 8 * 60 == roster.window_minutes
    assert {a.shift.hours for a in roster.assignments} == {"09:00-13:00", "14:00-18:00"}


def test_a_shift_across_the_lunch_break_is_paid_for_all_its_hours() -> None:
    roster = solve([need(MONDAY, (LUNCH, 1))], clerks("A"))

    assert [a.shift.hours for a in roster.assignments] == ["09:00-18:00"]
    assert roster.clerk_minutes == 9 * 60
    assert roster.window_minutes == 8 * 60
    assert roster.shortages == []


def test_fewer_clerk_hours_are_worth_more_than_fewer_clerks() -> None:
    roster = solve([need(MONDAY, (LUNCH, 1))], clerks("A", "B"))

    # Two half days (8 hours) rather than one clerk all day with the lunch paid (9 hours).
    assert roster.clerk_minutes == 8 * 60
    assert len(roster.used) == 2


def test_the_fewest_clerks_when_the_hours_are_the_same() -> None:
    roster = solve(
        [need(MONDAY, ("09:00-13:00", 1)), need(MONDAY + timedelta(1), ("09:00-13:00", 1))],
        clerks("A", "B"),
    )

    assert len(roster.used) == 1


def test_eleven_hours_rest_after_an_evening_shift() -> None:
    tuesday = MONDAY + timedelta(days=1)
    evening = need(MONDAY, ("17:00-21:00", 1))

    # 21:00 to 07:30 is ten and a half hours: the early shift needs another clerk, although
    # one clerk for both would be fewer clerks.
    too_soon = solve([evening, need(tuesday, ("07:30-11:30", 1))], clerks("A", "B"))
    # 21:00 to 08:00 is eleven hours: one clerk may work both.
    in_time = solve([evening, need(tuesday, ("08:00-12:00", 1))], clerks("A", "B"))

    assert len(too_soon.used) == 2 and too_soon.shortages == []
    assert len(in_time.used) == 1 and in_time.shortages == []
    late = Shift(MONDAY, at("17:00"), at("21:00"))
    assert too_little_rest(late, Shift(tuesday, at("07:59"), at("12:00")), ShiftRules())
    assert not too_little_rest(late, Shift(tuesday, at("08:00"), at("12:00")), ShiftRules())


def test_the_rest_between_days_for_several_clerks_and_shifts_of_one_length() -> None:
    tuesday = MONDAY + timedelta(days=1)
    days = [need(MONDAY, ("09:00-21:00", 2)), need(tuesday, ("07:30-16:00", 2))]

    roster = solve(days, clerks(*"ABCDEFGH"))

    # Whoever closes on Monday (21:00) cannot open on Tuesday (07:30).
    closing = {a.clerk for a in roster.assignments if a.shift.end == at("21:00")}
    opening = {a.clerk for a in roster.assignments if a.shift.start == at("07:30")}
    assert len(closing) == len(opening) == 2 and not closing & opening
    assert roster.shortages == []


def test_at_most_five_days_a_week() -> None:
    week = [need(MONDAY + timedelta(days=n), ("09:00-13:00", 1)) for n in range(6)]

    roster = solve(week, clerks("A"))

    assert len(roster.assignments) == 5
    assert roster.short_minutes == 4 * 60
    [short] = roster.shortages
    assert (short.start, short.end, short.clerks) == (at("09:00"), at("13:00"), 1)


def test_a_clerk_s_own_days_a_week() -> None:
    week = [need(MONDAY + timedelta(days=n), ("09:00-13:00", 1)) for n in range(5)]

    roster = solve(week, clerks("A", max_days_per_week=3))

    assert len(roster.assignments) == 3
    assert len(roster.shortages) == 2


def test_partial_weeks_at_the_ends_count_only_their_own_days() -> None:
    # Thursday to the next Wednesday: four days of one ISO week and three of the next.
    thursday = date(2025, 4, 17)
    days = [need(thursday + timedelta(days=n), ("09:00-13:00", 1)) for n in range(7)]

    roster = solve(days, clerks("A"))

    assert len(roster.assignments) == 7 and roster.shortages == []


def test_at_most_the_clerk_s_hours_a_week() -> None:
    week = [need(MONDAY + timedelta(days=n), ("09:00-13:00", 1)) for n in range(3)]

    roster = solve(week, clerks("A", max_minutes_per_week=10 * 60))

    assert roster.clerk_minutes == 8 * 60
    assert roster.short_minutes == 4 * 60


def test_only_on_a_clerk_s_weekdays_and_never_on_a_day_off() -> None:
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    days = [need(MONDAY + timedelta(days=n), ("09:00-13:00", 1)) for n in range(3)]
    staff = [
        Clerk("A", unavailable=frozenset({tuesday})),
        Clerk("B", weekdays=frozenset({0, 1})),  # Monday and Tuesday
    ]

    roster = solve(days, staff)

    by_day = {a.shift.day: a.clerk for a in roster.assignments}
    assert by_day[tuesday] == "B" and by_day[wednesday] == "A"
    assert roster.shortages == []


def test_weekend_shifts_are_shared_out_before_clerks_are_saved() -> None:
    saturdays = [need(date(2025, 4, 5) + timedelta(weeks=n), ("10:00-14:00", 1)) for n in range(4)]

    roster = solve(saturdays, clerks(*"ABCD"))

    # One clerk could work all four, but fairness weighs more than fewer clerks.
    assert sorted(roster.weekend_shifts.values()) == [1, 1, 1, 1]


def test_the_gap_in_weekend_shifts_is_among_those_who_can_work_weekends() -> None:
    saturdays = [need(date(2025, 4, 5) + timedelta(weeks=n), ("10:00-14:00", 1)) for n in range(2)]
    staff = [Clerk("A"), Clerk("B"), Clerk("weekdays only", weekdays=frozenset(range(5)))]

    roster = solve(saturdays, staff)

    assert roster.weekend_shifts == {"A": 1, "B": 1, "weekdays only": 0}
    assert roster.weekend_range == (1, 1)


def test_clerks_short_are_reported_by_day_time_and_count() -> None:
    roster = solve([need(MONDAY, (LUNCH, 5))], clerks("A", "B"))

    # Two clerks all day for five windows: three short all day, the lunch break bridged.
    assert roster.shortages == [Shortage(MONDAY, at("09:00"), at("18:00"), 3)]
    assert roster.short_minutes == 3 * 8 * 60


def test_a_shortage_only_where_the_windows_outnumber_the_clerks() -> None:
    day = need(MONDAY, ("09:00-13:00", 4), ("14:00-18:00", 2))

    roster = solve([day], clerks("A", "B"))

    assert roster.shortages == [Shortage(MONDAY, at("09:00"), at("13:00"), 2)]


def test_hours_are_wall_clock_hours_on_a_daylight_saving_day() -> None:
    # Europe moved its clocks on 30 March 2025; the hours are the office's own, local.
    roster = solve([need(date(2025, 3, 30), (LUNCH, 1))], clerks("A"))

    assert roster.clerk_minutes == 9 * 60


def test_a_shift_that_could_end_before_the_lunch_break_is_not_offered_across_it() -> None:
    shifts = {s.hours for s in candidate_shifts(need(MONDAY, (LUNCH, 1)), ShiftRules())}

    assert "09:00-13:00" in shifts and "09:00-18:00" in shifts
    assert "09:00-13:30" not in shifts and "09:00-14:00" not in shifts
    # 09:30-13:30 cannot be cut at 13:00 and stay four hours long: it stays on offer.
    assert "09:30-13:30" in shifts


def test_a_day_open_for_less_than_the_shortest_shift_is_worked_whole() -> None:
    roster = solve([need(MONDAY, ("10:00-13:00", 2))], clerks("A", "B"))

    assert [a.shift.hours for a in roster.assignments] == ["10:00-13:00", "10:00-13:00"]


# Every roster there is, for two clerks over three days -----------------------------------


def _every_span(day: DayNeed, rules: ShiftRules) -> list[Shift]:
    """Every span on the half-hour grid of the opening, long enough and not too long."""
    points = range(day.opens, day.closes + 1, 30)
    return [
        Shift(day.day, a, b)
        for a, b in itertools.combinations(points, 2)
        if rules.min_minutes <= b - a <= rules.max_minutes
    ]


def _best_by_trying_all(
    days: list[DayNeed], staff: list[Clerk], rules: ShiftRules
) -> tuple[int, int, int]:
    """The least (minutes short, clerk-minutes, clerks used) over every roster."""
    slots = [(d, s, e, w) for d, day in enumerate(days) for s, e, w in day.slots()]
    need = np.array([w for *_, w in slots])
    length = np.array([e - s for _, s, e, _ in slots])
    plans = []  # per clerk: (coverage by slot, minutes, works at all)
    for clerk in staff:
        found = []
        choices = [
            [None, *_every_span(day, rules)] if clerk.can_work(day.day) else [None] for day in days
        ]
        for plan in itertools.product(*choices):
            shifts = [s for s in plan if s is not None]
            minutes = sum(s.minutes for s in shifts)
            if len(shifts) > clerk.max_days_per_week or minutes > clerk.max_minutes_per_week:
                continue
            on = np.array(
                [
                    any(s.day == days[d].day and s.start <= a < s.end for s in shifts)
                    for d, a, _, _ in slots
                ]
            )
            found.append((on.astype(int), minutes, bool(shifts)))
        plans.append(found)
    return min(
        (int((np.maximum(need - a[0] - b[0], 0) * length).sum()), a[1] + b[1], a[2] + b[2])
        for a, b in itertools.product(*plans)
    )


def test_the_best_roster_is_the_best_of_every_roster_there_is() -> None:
    rules = ShiftRules(min_minutes=4 * 60, max_minutes=5 * 60)
    # Two windows first thing, one after, and a half-hour break nobody staffs.
    day = (("09:00-10:30", 1), ("09:00-12:00 12:30-14:00", 1))
    days = [need(MONDAY + timedelta(days=n), *day) for n in range(3)]
    staff = [
        Clerk("A", max_days_per_week=2),
        Clerk(
            "B", unavailable=frozenset({MONDAY + timedelta(days=1)}), max_minutes_per_week=9 * 60
        ),
    ]

    roster = solve(days, staff, rules)

    found = (roster.short_minutes, roster.clerk_minutes, len(roster.used))
    assert found == _best_by_trying_all(days, staff, rules)
