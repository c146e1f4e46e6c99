"""What a citizen needs to know to come to a booked time, from the office's own rules.

When to come (how early), that they check in at the kiosk with the reference, what
happens if they are late (the office's grace, then the line for walk-ins or turned away),
the office's hours that day, its phone, and where it is. The confirmation page, the
printable page and the calendar file all say the same, from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kezek.i18n import N_
from kezek.network.calendar import TimeRange
from kezek.network.directory import OfficeInfo
from kezek.network.plan import open_hours
from kezek.network.queue_config import LateArrival


@dataclass(frozen=True)
class MapLink:
    name: str
    url: str


@dataclass(frozen=True)
class VisitAdvice:
    arrive_from: datetime  # come from this time on: check in, then wait to be called
    arrive_early_minutes: int
    late_after: datetime  # later than this, the late rule applies
    late_grace_minutes: int
    late_rule: LateArrival  # walk_in: join the line as a walk-in; refuse: book again
    hours: tuple[TimeRange, ...]  # the office's hours on the booked day, local
    phone: str | None  # E.164
    maps: tuple[MapLink, ...]


def visit_advice(office: OfficeInfo, starts_at: datetime) -> VisitAdvice:
    config = office.queue_config
    early = timedelta(minutes=office.arrive_early_minutes)
    day = starts_at.astimezone(office.zone).date()
    return VisitAdvice(
        arrive_from=starts_at - early,
        arrive_early_minutes=office.arrive_early_minutes,
        late_after=starts_at + config.late_grace,
        late_grace_minutes=int(config.late_grace.total_seconds() // 60),
        late_rule=config.late_arrival,
        hours=open_hours(office.plan, day),
        phone=office.phone,
        maps=map_links(office.latitude, office.longitude),
    )


def map_links(latitude: float, longitude: float) -> tuple[MapLink, ...]:
    """Plain links to the maps people in Russia and Kyrgyzstan use; no script, no embed."""
    return (
        # The services' names as people there write them; the pages translate them.
        MapLink(N_("Yandex Maps"), f"https://yandex.ru/maps/?pt={longitude},{latitude}&z=17&l=map"),
        MapLink(N_("2GIS"), f"https://2gis.ru/geo/{longitude},{latitude}"),
        MapLink(
            "OpenStreetMap",
            f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
            f"#map=17/{latitude}/{longitude}",
        ),
    )
