"""One office of three windows open 09:00-18:00 every day, for the fluid rule's cases."""

from __future__ import annotations

from dataclasses import replace

from kezek.planning.office_model import OfficeModel, ServiceTimes, WindowDay

DAY = (WindowDay(((540, 1080),)),)  # one window, 09:00 to 18:00: 540 minutes


def three_windows(days: int = 30, **changes: object) -> OfficeModel:
    """1,000 waiting, 162 places a day (3 × 54), nobody new and nobody missing unless given."""
    model = OfficeModel(
        code="x",
        windows=(DAY * 3,) * days,
        backlog=1_000,
        services=(ServiceTimes(10.0),),
        mix=(1.0,),
        daily_demand=(0.0,) * days,
        no_show=0.0,
        slot_minutes=10.0,
    )
    return replace(model, **changes)  # type: ignore[arg-type]
