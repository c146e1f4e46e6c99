"""The windows an office needs staffed, day by day, cut into the slots a roster covers.

A day's slots run from its first opening to its last closing, cut every half hour on the
clock and wherever the number of windows changes: within a slot the need is constant, so
covering each slot covers every minute, and a shift can begin or end at any slot's edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kezek.network.calendar import TimeRange

GRID_MINUTES = 30
SATURDAY = 5


@dataclass(frozen=True)
class DayNeed:
    day: date
    points: tuple[int, ...]  # the slots' edges, local minutes since midnight, ascending
    windows: tuple[int, ...]  # windows open in each slot: one fewer than the points

    @property
    def opens(self) -> int:
        return self.points[0]

    @property
    def closes(self) -> int:
        return self.points[-1]

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= SATURDAY

    def slots(self) -> Iterator[tuple[int, int, int]]:
        """Each slot as (start, end, windows)."""
        for n, windows in enumerate(self.windows):
            yield self.points[n], self.points[n + 1], windows

    @property
    def window_minutes(self) -> int:
        """Minutes of window time: no roster staffs the day with fewer clerk-minutes."""
        return sum((end - start) * windows for start, end, windows in self.slots())

    @property
    def peak(self) -> int:
        return max(self.windows)


def day_need(day: date, windows: Iterable[tuple[Sequence[TimeRange], int]]) -> DayNeed:
    """The day's need from its rows: so many windows open in these hours, summed."""
    rows = [(ranges, count) for ranges, count in windows if ranges and count > 0]
    if not rows:
        raise ValueError(f"{day} has no open window")
    edges = {edge for ranges, _ in rows for r in ranges for edge in (r.opens, r.closes)}
    opens, closes = min(edges), max(edges)
    grid = range(opens - opens % GRID_MINUTES + GRID_MINUTES, closes, GRID_MINUTES)
    points = tuple(sorted(edges | set(grid)))
    needed = tuple(
        sum(count for ranges, count in rows if any(r.opens <= start < r.closes for r in ranges))
        for start in points[:-1]
    )
    return DayNeed(day, points, needed)


def window_minutes(needs: Iterable[DayNeed]) -> int:
    return sum(need.window_minutes for need in needs)


def busiest_month(needs: Sequence[DayNeed]) -> tuple[date, date]:
    """The first and last day of the calendar month with the most window-hours; the
    earliest such month on a tie."""
    if not needs:
        raise ValueError("no open day")
    by_month: dict[tuple[int, int], int] = {}
    for need in needs:
        key = (need.day.year, need.day.month)
        by_month[key] = by_month.get(key, 0) + need.window_minutes
    year, month = max(sorted(by_month), key=lambda key: by_month[key])
    return month_of(date(year, month, 1))


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar month ``day`` is in."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day.replace(day=1), following - timedelta(days=1)
