"""Taking and releasing slot cells with single atomic statements.

Each change is one conditional statement, never "read, check, then write", so the
database decides who gets the last place even with many server processes. Cells are
always touched in ascending order, which keeps concurrent bookings from deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from kezek.booking.models import Booking, SlotCell
from kezek.booking.rules import SlotRefused, slot_full
from kezek.db import dialect_insert
from kezek.network.directory import OfficeInfo, ServiceInfo
from kezek.network.plan import CellKey

CELLS: Table = SlotCell.__table__  # type: ignore[assignment]


def booked_counts(
    session: Session, *, office_id: int, pools: Iterable[str], first: datetime, last: datetime
) -> dict[CellKey, int]:
    query = select(SlotCell.pool, SlotCell.starts_at, SlotCell.booked).where(
        SlotCell.office_id == office_id,
        SlotCell.pool.in_(list(pools)),
        SlotCell.starts_at >= first,
        SlotCell.starts_at <= last,
    )
    return {CellKey(pool, starts_at): booked for pool, starts_at, booked in session.execute(query)}


def apply_changes(
    session: Session,
    *,
    office_id: int,
    changes: Mapping[CellKey, int],
    capacity: Mapping[CellKey, int],
) -> bool:
    """Add +1 or -1 to each cell, in order. False as soon as a cell has no room left.

    The caller rolls back on False: the cells already taken must not stay taken.
    """
    for key in sorted(changes):
        delta = changes[key]
        if delta > 0 and not _take(session, office_id=office_id, key=key, capacity=capacity[key]):
            return False
        if delta < 0:
            _release(session, office_id=office_id, key=key)
    return True


def _take(session: Session, *, office_id: int, key: CellKey, capacity: int) -> bool:
    statement = _take_statement(session.get_bind().dialect.name)
    row = {
        "office_id": office_id,
        "pool": key.pool,
        "starts_at": key.starts_at,
        "booked": 1,
        "capacity": capacity,
    }
    return session.connection().execute(statement, row).first() is not None


@cache
def _take_statement(dialect_name: str) -> Any:
    """Add one to a cell's counter, or create it at one, only while it is below capacity."""
    insert = dialect_insert(dialect_name, CELLS)
    return insert.on_conflict_do_update(
        index_elements=[CELLS.c.office_id, CELLS.c.pool, CELLS.c.starts_at],
        set_={"booked": CELLS.c.booked + 1, "capacity": insert.excluded.capacity},
        where=CELLS.c.booked < insert.excluded.capacity,
    ).returning(CELLS.c.booked)


def _release(session: Session, *, office_id: int, key: CellKey) -> None:
    session.connection().execute(
        update(CELLS)
        .where(
            CELLS.c.office_id == office_id,
            CELLS.c.pool == key.pool,
            CELLS.c.starts_at == key.starts_at,
            CELLS.c.booked > 0,
        )
        .values(booked=CELLS.c.booked - 1)
    )


def take_cells(
    session: Session,
    *,
    office: OfficeInfo,
    service: ServiceInfo,
    starts_at: datetime,
    releasing: Sequence[CellKey] = (),
) -> tuple[str, int]:
    """Take the cells of one pool for the service at ``starts_at``; return the pool and count.

    With several candidate pools each attempt runs in a savepoint, so that a pool that
    fills half-way leaves nothing behind when the next pool is tried.
    """
    plan = office.plan
    spans = plan.spans(service.code, starts_at=starts_at, duration_minutes=service.duration_minutes)
    if not spans:
        raise SlotRefused(
            "No appointment starts at this time. Choose a time from the office's availability.",
            field="start",
        )
    if len(spans) > 1:
        booked = booked_counts(
            session,
            office_id=office.id,
            pools=[span.pool for span in spans],
            first=starts_at,
            last=spans[0].cells[-1].starts_at,
        )
        spans.sort(key=lambda span: -span.free(booked))
    for number, span in enumerate(spans, start=1):
        changes = dict.fromkeys(span.cells, 1)
        for cell in releasing:
            changes[cell] = changes.get(cell, 0) - 1
        changes = {cell: delta for cell, delta in changes.items() if delta}
        last = number == len(spans)
        savepoint = None if last else session.begin_nested()
        if apply_changes(session, office_id=office.id, changes=changes, capacity=span.capacity):
            if savepoint is not None:
                savepoint.commit()
            return span.pool, len(span.cells)
        if savepoint is not None:
            savepoint.rollback()
    # The failed last attempt is rolled back with the transaction by this exception.
    raise slot_full()


def cells_of(booking: Booking) -> list[CellKey]:
    step = timedelta(minutes=booking.cell_minutes)
    return [CellKey(booking.pool, booking.starts_at + i * step) for i in range(booking.cells)]
