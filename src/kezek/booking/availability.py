"""Free places per start time, for one office, service and range of local dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from sqlalchemy.orm import Session

from kezek.booking import cells as slot_cells
from kezek.booking.rules import BookingRules
from kezek.booking.slots import Slot, cells_between, places_by_day, service_slots
from kezek.errors import Invalid
from kezek.network.directory import Directory, OfficeInfo, ServiceInfo
from kezek.network.plan import CellKey
from kezek.types import utcnow

DEFAULT_DAYS = 7  # asked for without dates: the coming week


@dataclass(frozen=True)
class Availability:
    office: OfficeInfo
    service: ServiceInfo
    slots: list[Slot]  # every start time from the notice on, with its free places
    cells: Mapping[CellKey, int] = field(default_factory=dict, repr=False)
    booked: Mapping[CellKey, int] = field(default_factory=dict, repr=False)
    opens: datetime | None = None  # the earliest start still bookable

    @cached_property
    def places(self) -> dict[date, int]:
        """How many more people can book each local day; worked out only when asked (the
        pages show it, the API does not)."""
        if self.opens is None:
            return {}
        return places_by_day(
            self.office.plan,
            service=self.service.code,
            duration_minutes=self.service.duration_minutes,
            cells=self.cells,
            booked=self.booked,
            opens=self.opens,
        )


def availability(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    service_code: str,
    first: date | None,
    last: date | None,
    rules: BookingRules,
) -> Availability:
    """``first`` defaults to today at the office, ``last`` to the week from ``first``."""
    office = directory.office(session, office_code)
    service = office.service(service_code)
    plan = office.plan
    now = utcnow()
    today = now.astimezone(plan.timezone).date()
    first = first or today
    last = last or first + timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise Invalid("'to' is before 'from'; swap them.", field="to")
    if (last - first).days >= rules.max_range_days:
        raise Invalid(f"Ask for at most {rules.max_range_days} days at a time.", field="to")
    first = max(first, today)
    last = min(last, today + timedelta(days=rules.horizon_days))
    capacity = cells_between(plan, first, last) if first <= last else {}
    if not capacity:
        return Availability(office, service, [])
    starts = [cell.starts_at for cell in capacity]
    booked = slot_cells.booked_counts(
        session,
        office_id=office.id,
        pools=plan.pools_for(service.code),
        first=min(starts),
        last=max(starts),
    )
    slots = service_slots(
        plan,
        service=service.code,
        duration_minutes=service.duration_minutes,
        cells=capacity,
        booked=booked,
    )
    opens = now + rules.min_notice
    shown = [slot for slot in slots if slot.starts_at >= opens]
    return Availability(office, service, shown, capacity, booked, opens)
