"""An office's bookable cells: windows × hours, in the office's own time zone.

An office's day is cut into cells of ``slot_minutes`` per window pool (windows that handle
the same services). A cell's capacity is the number of bookable windows of the pool staffed
for the whole cell. A service of duration d holds ceil(d / slot_minutes) consecutive cells
of one pool. Cells are stepped in UTC from each opening time, so a day on which the
clocks change has exactly as many cells as it has real staffed minutes.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kezek.network.calendar import (
    OfficeCalendar,
    TimeRange,
    WindowPlan,
    merge_ranges,
    window_hours,
)


@dataclass(frozen=True, order=True)
class CellKey:
    pool: str
    starts_at: datetime  # aware, UTC


@dataclass(frozen=True)
class Span:
    """The consecutive cells of one pool that a booking would hold, with their capacity."""

    pool: str
    cells: tuple[CellKey, ...]
    capacity: Mapping[CellKey, int]

    def free(self, booked: Mapping[CellKey, int]) -> int:
        return min(self.capacity[cell] - booked.get(cell, 0) for cell in self.cells)


@dataclass(frozen=True)
class OfficePlan:
    """Everything slot generation needs to know of one office."""

    timezone: ZoneInfo
    slot_minutes: int
    calendar: OfficeCalendar
    windows: tuple[WindowPlan, ...]
    # Cells per local day, filled on first use: a plan never changes once built.
    _days: dict[date, Counter[CellKey]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _pools: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # The first booking of a day builds its cells; the others of a rush wait for them
    # rather than each build the same day.
    _building: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its caches and lock (for a line worked out in another process)."""
        caches = ("_days", "_pools", "_building")
        return {name: value for name, value in self.__dict__.items() if name not in caches}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, _days={}, _pools={}, _building=threading.Lock())

    def pools_for(self, service: str) -> tuple[str, ...]:
        pools = self._pools.get(service)
        if pools is None:
            found = {w.pool for w in self.windows if w.bookable and service in w.services}
            pools = self._pools[service] = tuple(sorted(found))
        return pools

    def cells_needed(self, duration_minutes: int) -> int:
        return math.ceil(duration_minutes / self.slot_minutes)

    def spans(self, service: str, *, starts_at: datetime, duration_minutes: int) -> list[Span]:
        """Each pool in which ``service`` can start at ``starts_at``.

        Looks only at the cells concerned, so a booking does not build a whole day.
        """
        count = self.cells_needed(duration_minutes)
        found = []
        for pool in self.pools_for(service):
            cells = tuple(held_cells(self, pool=pool, starts_at=starts_at, count=count))
            capacity = {cell: self.staffed(cell) for cell in cells}
            if all(capacity.values()):
                found.append(Span(pool, cells, capacity))
        return found

    def staffed(self, cell: CellKey) -> int:
        """How many bookable windows of the cell's pool are staffed for the whole cell."""
        day = cell.starts_at.astimezone(self.timezone).date()
        cells = self._days.get(day)
        if cells is None:
            with self._building:
                cells = self._days.get(day)
                if cells is None:
                    if len(self._days) > 400:
                        self._days.clear()
                    cells = self._days[day] = day_cells(self, day)
        return cells.get(cell, 0)


def local_to_utc(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Wall-clock minute of ``day`` in ``zone`` as UTC.

    A time the clocks skip is read with the offset before the change (so 02:30 on a spring
    day becomes 03:30), and a repeated time means its first occurrence.
    """
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    return local.replace(tzinfo=zone).astimezone(UTC)


def day_cells(plan: OfficePlan, day: date) -> Counter[CellKey]:
    """Capacity of every cell of the office's local ``day``."""
    step = timedelta(minutes=plan.slot_minutes)
    cells: Counter[CellKey] = Counter()
    for window in plan.windows:
        if not window.bookable:
            continue
        for hours in window_hours(plan.calendar, window, day):
            cursor = local_to_utc(day, hours.opens, plan.timezone)
            closes = local_to_utc(day, hours.closes, plan.timezone)
            while cursor + step <= closes:
                cells[CellKey(window.pool, cursor)] += 1
                cursor += step
    return cells


def held_cells(plan: OfficePlan, *, pool: str, starts_at: datetime, count: int) -> list[CellKey]:
    step = timedelta(minutes=plan.slot_minutes)
    return [CellKey(pool, starts_at + i * step) for i in range(count)]


def open_hours(plan: OfficePlan, day: date) -> tuple[TimeRange, ...]:
    """When any window of the office is staffed on its local ``day``: its opening hours."""
    return merge_ranges(
        time_range
        for window in plan.windows
        for time_range in window_hours(plan.calendar, window, day)
    )


def closes_at(plan: OfficePlan, day: date) -> datetime | None:
    """When the office's last window closes on its local ``day``, in UTC; None if closed."""
    hours = open_hours(plan, day)
    return local_to_utc(day, hours[-1].closes, plan.timezone) if hours else None


def next_open_day(
    plan: OfficePlan, after: date, *, within_days: int = 60
) -> tuple[date, TimeRange] | None:
    """The first local day after ``after`` on which the office opens, and its first hours."""
    for offset in range(1, within_days + 1):
        day = after + timedelta(days=offset)
        hours = open_hours(plan, day)
        if hours:
            return day, hours[0]
    return None
