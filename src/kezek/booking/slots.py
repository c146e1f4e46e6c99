"""Bookable start times: a service's span of cells, with capacity and free places.

The cells themselves, and how many windows staff each, come from the office's plan
(``kezek.network.plan``); this turns them into the times a citizen can choose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kezek.network.plan import CellKey, OfficePlan, day_cells, held_cells


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    capacity: int
    available: int


def cells_between(plan: OfficePlan, first: date, last: date) -> Counter[CellKey]:
    cells: Counter[CellKey] = Counter()
    day = first
    while day <= last:
        cells.update(day_cells(plan, day))
        day += timedelta(days=1)
    return cells


def service_slots(
    plan: OfficePlan,
    *,
    service: str,
    duration_minutes: int,
    cells: Mapping[CellKey, int],
    booked: Mapping[CellKey, int],
) -> list[Slot]:
    """Every start time of ``service`` with its capacity and free places, in time order."""
    count = plan.cells_needed(duration_minutes)
    pools = set(plan.pools_for(service))
    totals: dict[datetime, list[int]] = {}
    for key in cells:
        if key.pool not in pools:
            continue
        span = held_cells(plan, pool=key.pool, starts_at=key.starts_at, count=count)
        if not all(cell in cells for cell in span):
            continue
        capacity = min(cells[cell] for cell in span)
        free = min(cells[cell] - booked.get(cell, 0) for cell in span)
        total = totals.setdefault(key.starts_at, [0, 0])
        total[0] += capacity
        total[1] += max(free, 0)
    length = timedelta(minutes=duration_minutes)
    return [
        Slot(starts_at=start, ends_at=start + length, capacity=cap, available=free)
        for start, (cap, free) in sorted(totals.items())
    ]


def places_by_day(
    plan: OfficePlan,
    *,
    service: str,
    duration_minutes: int,
    cells: Mapping[CellKey, int],
    booked: Mapping[CellKey, int],
    opens: datetime,
    consumed: Counter[CellKey] | None = None,
) -> dict[date, int]:
    """How many more people can book ``service`` each local day, from ``opens`` on; with
    ``consumed``, the cells those places would take are added to it (a round's services
    that share windows take their places one after the other).

    Not the sum of free places over start times: a 20-minute service on a 10-minute grid
    would count each person twice. Bookings are packed greedily by start time, which is
    as many as fit when every booking holds the same number of cells.
    """
    count = plan.cells_needed(duration_minutes)
    free = {cell: cells[cell] - booked.get(cell, 0) for cell in cells}
    places: Counter[date] = Counter()
    pools = set(plan.pools_for(service))
    for key in sorted(cell for cell in cells if cell.pool in pools):
        if key.starts_at < opens:
            continue
        span = held_cells(plan, pool=key.pool, starts_at=key.starts_at, count=count)
        if not all(cell in free for cell in span):
            continue
        fits = min(free[cell] for cell in span)
        if fits <= 0:
            continue
        for cell in span:
            free[cell] -= fits
            if consumed is not None:
                consumed[cell] += fits
        places[key.starts_at.astimezone(plan.timezone).date()] += fits
    return dict(places)
