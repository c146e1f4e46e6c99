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
    round_code: str | None = None  # whose days, besides those open to all, are shown

    @cached_property
    def places(self) -> dict[date, int]:
        """How many more people can book each local day; worked out only when asked (the
        pages show it, the API does not)."""
        if self.opens is None:
            return {}
        places = places_by_day(
            self.office.plan,
            service=self.service.code,
            duration_minutes=self.service.duration_minutes,
            cells=self.cells,
            booked=self.booked,
            opens=self.opens,
        )
        return {day: count for day, count in places.items() if self._shown(day)}

    def _shown(self, day: date) -> bool:
        """Days a round's draw gives out are not booked first come, first served; a booking
        from that round may still move to them."""
        return self.office.round_on(self.service.code, day) in (None, self.round_code)


def availability(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    service_code: str,
    first: date | None,
    last: date | None,
    rules: BookingRules,
    round_code: str | None = None,
) -> Availability:
    """``first`` defaults to today at the office, ``last`` to the week from ``first``; days
    given by a draw only for a booking from its round (``round_code``)."""
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
        return Availability(office, service, [], round_code=round_code)
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
    found = Availability(office, service, [], capacity, booked, opens, round_code)
    shown = [
        slot
        for slot in slots
        if slot.starts_at >= opens and found._shown(slot.starts_at.astimezone(plan.timezone).date())
    ]
    return Availability(office, service, shown, capacity, booked, opens, round_code)
