"""Slot generation: hours, closures, surge hours, pools, and days when the clocks change."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.booking.slots import service_slots
from kezek.network.calendar import (
    Closure,
    ExtraHours,
    OfficeCalendar,
    TimeRange,
    WeeklyHours,
    WindowPlan,
    merge_ranges,
    window_hours,
)
from kezek.network.plan import CellKey, OfficePlan, day_cells

BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = WeeklyHours({day: (TimeRange(9 * 60, 18 * 60),) for day in range(7)})


def _plan(
    *,
    zone: ZoneInfo = BERLIN,
    weekly: WeeklyHours = EVERY_DAY,
    windows: tuple[WindowPlan, ...] = (WindowPlan("1", frozenset({"a"})),),
    closures: tuple[Closure, ...] = (),
    extra: tuple[ExtraHours, ...] = (),
    slot_minutes: int = 10,
) -> OfficePlan:
    return OfficePlan(
        timezone=zone,
        slot_minutes=slot_minutes,
        calendar=OfficeCalendar(weekly=weekly, closures=closures, extra=extra),
        windows=windows,
    )


def _local(cell: CellKey, zone: ZoneInfo = BERLIN) -> str:
    return cell.starts_at.astimezone(zone).strftime("%H:%M%z")


def test_spring_forward_day_in_berlin_has_one_hour_less() -> None:
    # 29 March 2026: at 02:00 the clocks jump to 03:00 (CET +01:00 to CEST +02:00).
    night = WeeklyHours({6: (TimeRange(0, 6 * 60),)})
    cells = day_cells(_plan(weekly=night, slot_minutes=30), date(2026, 3, 29))

    labels = [_local(cell) for cell in sorted(cells)]
    assert labels == [
        "00:00+0100", "00:30+0100", "01:00+0100", "01:30+0100",
        "03:00+0200", "03:30+0200", "04:00+0200", "04:30+0200", "05:00+0200", "05:30+0200",
    ]  # fmt: skip
    assert sum(cells.values()) * 30 == 5 * 60  # 00:00-06:00 local is 5 real hours


def test_fall_back_day_in_berlin_has_one_hour_more() -> None:
    # 25 October 2026: at 03:00 the clocks go back to 02:00 (CEST to CET).
    night = WeeklyHours({6: (TimeRange(60, 4 * 60),)})
    cells = day_cells(_plan(weekly=night, slot_minutes=30), date(2026, 10, 25))

    labels = [_local(cell) for cell in sorted(cells)]
    assert labels == [
        "01:00+0200", "01:30+0200", "02:00+0200", "02:30+0200",
        "02:00+0100", "02:30+0100", "03:00+0100", "03:30+0100",
    ]  # fmt: skip
    assert len({cell.starts_at for cell in cells}) == 8


def test_office_hours_keep_their_wall_clock_across_the_change() -> None:
    plan = _plan()
    before = min(day_cells(plan, date(2026, 3, 28)))
    after = min(day_cells(plan, date(2026, 3, 29)))

    assert _local(before) == "09:00+0100"
    assert _local(after) == "09:00+0200"
    assert after.starts_at - before.starts_at == timedelta(hours=23)


def test_a_closure_removes_the_day_and_extra_hours_add_to_it() -> None:
    plan = _plan(
        weekly=WeeklyHours({0: (TimeRange(9 * 60, 13 * 60),)}),
        closures=(Closure(date(2026, 5, 4), date(2026, 5, 4), "holiday"),),
        extra=(
            ExtraHours(date(2026, 5, 11), (TimeRange(18 * 60, 20 * 60),)),
            ExtraHours(date(2026, 5, 16), (TimeRange(10 * 60, 12 * 60),)),
        ),
    )

    assert day_cells(plan, date(2026, 5, 4)) == Counter()
    assert sum(day_cells(plan, date(2026, 5, 11)).values()) == (4 + 2) * 6
    assert sum(day_cells(plan, date(2026, 5, 16)).values()) == 2 * 6  # an extra Saturday


def test_extra_hours_for_named_windows_only() -> None:
    windows = (WindowPlan("1", frozenset({"a"})), WindowPlan("2", frozenset({"a"})))
    plan = _plan(
        windows=windows,
        extra=(ExtraHours(date(2026, 5, 11), (TimeRange(18 * 60, 19 * 60),), frozenset({"2"})),),
    )

    evening = [c for c in day_cells(plan, date(2026, 5, 11)) if _local(c).startswith("18")]
    assert len(evening) == 6
    assert {day_cells(plan, date(2026, 5, 11))[cell] for cell in evening} == {1}


def test_window_shifts_replace_the_office_hours_for_that_window() -> None:
    afternoon = WeeklyHours({day: (TimeRange(14 * 60, 18 * 60),) for day in range(7)})
    windows = (
        WindowPlan("1", frozenset({"a"})),
        WindowPlan("2", frozenset({"a"}), shifts=afternoon),
    )
    cells = day_cells(_plan(windows=windows), date(2026, 5, 11))

    assert Counter(cells.values()) == {1: 5 * 6, 2: 4 * 6}


def test_windows_with_the_same_services_share_a_pool() -> None:
    windows = (
        WindowPlan("1", frozenset({"a", "b"})),
        WindowPlan("2", frozenset({"b", "a"})),
        WindowPlan("3", frozenset({"b"})),
        WindowPlan("4", frozenset({"a"}), bookable=False),
    )
    plan = _plan(windows=windows)
    cells = day_cells(plan, date(2026, 5, 11))

    assert {cell.pool for cell in cells} == {"a,b", "b"}
    assert plan.pools_for("a") == ("a,b",)
    slots = service_slots(plan, service="b", duration_minutes=10, cells=cells, booked={})
    assert {slot.capacity for slot in slots} == {3}


def test_a_service_longer_than_a_cell_needs_consecutive_cells() -> None:
    plan = _plan(weekly=WeeklyHours({0: (TimeRange(9 * 60, 10 * 60),)}))
    cells = day_cells(plan, date(2026, 5, 11))
    first = min(cells)
    booked = {CellKey(first.pool, first.starts_at + timedelta(minutes=20)): 1}

    slots = service_slots(plan, service="a", duration_minutes=25, cells=cells, booked=booked)

    assert [(_local(CellKey("", s.starts_at))[:5], s.available) for s in slots] == [
        ("09:00", 0),
        ("09:10", 0),
        ("09:20", 0),
        ("09:30", 1),
    ]


ranges = st.lists(
    st.tuples(st.integers(0, 143), st.integers(1, 24)).map(
        lambda t: TimeRange(t[0] * 10, min(t[0] * 10 + t[1] * 10, 1440))
    ),
    max_size=4,
).map(merge_ranges)
weekly_hours = st.dictionaries(st.integers(0, 6), ranges).map(WeeklyHours)
service_sets = st.sets(st.sampled_from("abc"), min_size=1).map(frozenset)
window_plans = st.lists(
    st.builds(
        WindowPlan,
        code=st.just(""),
        services=service_sets,
        bookable=st.booleans(),
        shifts=st.none() | weekly_hours,
    ),
    min_size=1,
    max_size=5,
).map(
    lambda ws: tuple(
        WindowPlan(str(i), w.services, w.bookable, None, w.shifts) for i, w in enumerate(ws)
    )
)
zones = st.sampled_from(
    ["Europe/Berlin", "Europe/Moscow", "Asia/Novosibirsk", "America/New_York", "UTC"]
)
days = st.dates(date(2025, 1, 1), date(2027, 12, 31))


@settings(max_examples=300, deadline=None)
@given(weekly=weekly_hours, windows=window_plans, zone=zones, day=days, closed=st.booleans())
def test_no_cell_outside_opening_hours_or_on_a_holiday(
    weekly: WeeklyHours, windows: tuple[WindowPlan, ...], zone: str, day: date, closed: bool
) -> None:
    closures = (Closure(day, day),) if closed else ()
    plan = _plan(zone=ZoneInfo(zone), weekly=weekly, windows=windows, closures=closures)
    cells = day_cells(plan, day)

    if closed:
        assert cells == Counter()
    for cell, capacity in cells.items():
        local = cell.starts_at.astimezone(plan.timezone)
        end = (cell.starts_at + timedelta(minutes=10)).astimezone(plan.timezone)
        staffed = [
            w
            for w in windows
            if w.bookable
            and w.pool == cell.pool
            and _inside(window_hours(plan.calendar, w, day), day, local, end)
        ]
        assert capacity == len(staffed) > 0


def _inside(hours: tuple[TimeRange, ...], day: date, start: datetime, end: datetime) -> bool:
    zone = start.tzinfo
    assert zone is not None
    for time_range in hours:
        opens = datetime.combine(day, datetime.min.time(), zone) + timedelta(
            minutes=time_range.opens
        )
        closes = datetime.combine(day, datetime.min.time(), zone) + timedelta(
            minutes=time_range.closes
        )
        if opens.astimezone(UTC) <= start.astimezone(UTC) and end.astimezone(
            UTC
        ) <= closes.astimezone(UTC):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(weekly=weekly_hours, windows=window_plans, day=days)
def test_capacity_equals_what_the_windows_can_serve(
    weekly: WeeklyHours, windows: tuple[WindowPlan, ...], day: date
) -> None:
    # UTC has no clock changes, so staffed minutes are wall-clock minutes.
    plan = _plan(zone=ZoneInfo("UTC"), weekly=weekly, windows=windows)
    cells = day_cells(plan, day)

    staffed = sum(
        time_range.minutes
        for window in windows
        if window.bookable
        for time_range in window_hours(plan.calendar, window, day)
    )
    assert sum(cells.values()) * plan.slot_minutes == staffed
    for service in "abc":
        slots = service_slots(plan, service=service, duration_minutes=10, cells=cells, booked={})
        serving = [w for w in windows if w.bookable and service in w.services]
        served = sum(r.minutes for w in serving for r in window_hours(plan.calendar, w, day))
        assert sum(slot.capacity for slot in slots) * 10 == served
