"""A day's free places are counted in people: as many bookings as still fit, not the sum of
free places over start times, which counts a two-cell booking twice."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.booking.slots import places_by_day
from kezek.network.calendar import OfficeCalendar, TimeRange, WeeklyHours, WindowPlan
from kezek.network.plan import CellKey, OfficePlan, day_cells

ZONE = ZoneInfo("Asia/Bishkek")
DAY = date(2026, 12, 7)
EARLY = datetime(2026, 12, 6, tzinfo=UTC)


def _plan(windows: int, hours: tuple[int, int]) -> OfficePlan:
    weekly = WeeklyHours({d: (TimeRange(hours[0] * 60, hours[1] * 60),) for d in range(7)})
    return OfficePlan(
        timezone=ZONE,
        slot_minutes=10,
        calendar=OfficeCalendar(weekly=weekly),
        windows=tuple(WindowPlan(str(n), frozenset({"a"})) for n in range(windows)),
    )


def test_a_day_of_two_windows_holds_its_hours_over_the_service_length() -> None:
    plan = _plan(2, (9, 18))
    cells = day_cells(plan, DAY)

    places = places_by_day(
        plan, service="a", duration_minutes=20, cells=cells, booked={}, opens=EARLY
    )

    assert places == {DAY: 2 * 27}  # 9 hours of 20 minutes, at two windows


def test_bookings_taken_and_the_notice_leave_fewer_places() -> None:
    plan = _plan(1, (9, 10))
    cells = day_cells(plan, DAY)
    first = min(cells)
    booked = {first: 1, CellKey(first.pool, first.starts_at + timedelta(minutes=10)): 1}
    opens = first.starts_at + timedelta(minutes=40)

    assert places_by_day(
        plan, service="a", duration_minutes=20, cells=cells, booked={}, opens=EARLY
    ) == {DAY: 3}
    assert places_by_day(
        plan, service="a", duration_minutes=20, cells=cells, booked=booked, opens=EARLY
    ) == {DAY: 2}
    assert places_by_day(
        plan, service="a", duration_minutes=20, cells=cells, booked={}, opens=opens
    ) == {DAY: 1}


@settings(max_examples=150, deadline=None)
@given(
    taken=st.lists(st.integers(min_value=0, max_value=2), min_size=6, max_size=6),
    cells_per_booking=st.integers(min_value=1, max_value=3),
)
def test_greedy_counting_fits_as_many_as_any_packing(
    taken: list[int], cells_per_booking: int
) -> None:
    plan = _plan(2, (9, 10))  # six cells of capacity two
    cells = day_cells(plan, DAY)
    order = sorted(cells)
    booked = dict(zip(order, taken, strict=True))
    free = [cells[cell] - booked[cell] for cell in order]

    counted = places_by_day(
        plan,
        service="a",
        duration_minutes=10 * cells_per_booking,
        cells=cells,
        booked=booked,
        opens=EARLY,
    ).get(DAY, 0)

    assert counted == _most_that_fit(free, cells_per_booking)


def _most_that_fit(free: list[int], length: int) -> int:
    """Every way of starting bookings: the most that stay within each cell's free places."""
    starts = range(len(free) - length + 1)
    best = 0
    for counts in itertools.product(range(3), repeat=len(starts)):
        used: Counter[int] = Counter()
        for start, count in zip(starts, counts, strict=True):
            for cell in range(start, start + length):
                used[cell] += count
        if all(used[cell] <= free[cell] for cell in range(len(free))):
            best = max(best, sum(counts))
    return best
