"""A round's places: counted from the offices' calendars, fixed and published once.

The places of each office, service and day of the round are what its windows offer that
day less what was booked before the round existed (first come, first served no longer
books them once it does). Shares of each day's places are reserved, in order: for those
whose legal stay ends before the round's date, then for the priority groups. The places
are fixed, and their SHA-256 published, before the first application is taken, so that
nobody can add or remove places once they have seen who applied.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.allocation.draw import Bucket, Supply
from kezek.allocation.publication import places_entries, places_hash
from kezek.booking import cells as slot_cells
from kezek.booking.slots import cells_between, places_by_day
from kezek.errors import NotFound
from kezek.network.directory import Directory, OfficeInfo
from kezek.network.models import DrawRound
from kezek.network.plan import CellKey

URGENT = "urgent"
GROUPS = "groups"


def fix_places(session: Session, *, directory: Directory, code: str, now: datetime) -> DrawRound:
    """The round, its places fixed if they were not yet: the row is locked, so that two
    processes fixing at once fix them once."""
    row = session.scalar(
        select(DrawRound)
        .where(DrawRound.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.places_fixed_at is not None:
        return _found(row, code)
    supply = count_places(session, directory=directory, row=row, now=now)
    row.places = places_entries(supply)
    row.places_sha256 = places_hash(supply)
    row.places_fixed_at = now
    session.flush()
    return row


def fix_all(session: Session, *, directory: Directory, now: datetime) -> list[str]:
    """Fix the places of every active round that has none yet; their codes."""
    codes = session.scalars(
        select(DrawRound.code).where(DrawRound.active, DrawRound.places_fixed_at.is_(None))
    ).all()
    for code in codes:
        fix_places(session, directory=directory, code=code, now=now)
    return list(codes)


def _found(row: DrawRound | None, code: str) -> DrawRound:
    if row is None:
        raise NotFound(f"There is no round '{code}'.", field="round")
    return row


def count_places(
    session: Session, *, directory: Directory, row: DrawRound, now: datetime
) -> dict[Bucket, Supply]:
    supply: dict[Bucket, Supply] = {}
    for code in row.offices:
        try:
            office = directory.office(session, code)
        except NotFound:  # closed since the file named it: no places there
            continue
        # Services that share windows share their cells: each takes what the ones before it
        # left, so that no cell is counted twice.
        taken: Counter[CellKey] = Counter()
        for service in office.services:
            if service.code not in row.services:
                continue
            found = free_places(
                session,
                office,
                service.code,
                first=row.first_day,
                last=row.last_day,
                opens=now,
                taken=taken,
            )
            for day, places in found.items():
                supply[Bucket(office.code, service.code, day)] = with_reserves(row, places)
    return supply


def with_reserves(row: DrawRound, places: int) -> Supply:
    """The day's places with the round's reserves, rounded down, in their order."""
    reserves = []
    if row.urgent_share:
        reserves.append((URGENT, places * row.urgent_share // 100))
    if row.groups_share and row.groups:
        reserves.append((GROUPS, places * row.groups_share // 100))
    return Supply(places, tuple(reserves))


def free_places(
    session: Session,
    office: OfficeInfo,
    service: str,
    *,
    first: date,
    last: date,
    opens: datetime,
    taken: Counter[CellKey] | None = None,
) -> dict[date, int]:
    """How many more people the service's free cells take each day, from ``opens`` on;
    ``taken``: cells counted for other services already, and where this one's go."""
    plan = office.plan
    capacity = cells_between(plan, first, last)
    if not capacity:
        return {}
    starts = [cell.starts_at for cell in capacity]
    booked = slot_cells.booked_counts(
        session,
        office_id=office.id,
        pools=plan.pools_for(service),
        first=min(starts),
        last=max(starts),
    )
    duration = office.service(service).duration_minutes
    found = places_by_day(
        plan,
        service=service,
        duration_minutes=duration,
        cells=capacity,
        booked=Counter(booked) + taken if taken is not None else booked,
        opens=opens,
        consumed=taken,
    )
    return {day: count for day, count in sorted(found.items()) if count > 0}


def supply_of(row: DrawRound) -> dict[Bucket, Supply]:
    """The places as fixed: what the draw gives out."""
    return {
        Bucket(entry["office"], entry["service"], date.fromisoformat(entry["day"])): Supply(
            entry["places"], tuple((name, count) for name, count in entry["reserves"])
        )
        for entry in row.places or []
    }
