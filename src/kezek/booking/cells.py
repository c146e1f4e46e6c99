"""Taking and releasing slot cells with single atomic statements.

Each change is one conditional statement, never "read, check, then write", so the
database decides who gets the last place even with many server processes. Cells are
always touched in ascending order, which keeps concurrent bookings from deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kezek.booking.models import SlotCell
from kezek.booking.slots import CellKey
from kezek.db import dialect_insert


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
    insert = dialect_insert(session, SlotCell).values(
        office_id=office_id, pool=key.pool, starts_at=key.starts_at, booked=1, capacity=capacity
    )
    statement = insert.on_conflict_do_update(
        index_elements=[SlotCell.office_id, SlotCell.pool, SlotCell.starts_at],
        set_={"booked": SlotCell.booked + 1, "capacity": insert.excluded.capacity},
        where=SlotCell.booked < insert.excluded.capacity,
    ).returning(SlotCell.booked)
    return session.execute(statement).first() is not None


def _release(session: Session, *, office_id: int, key: CellKey) -> None:
    session.execute(
        update(SlotCell)
        .where(
            SlotCell.office_id == office_id,
            SlotCell.pool == key.pool,
            SlotCell.starts_at == key.starts_at,
            SlotCell.booked > 0,
        )
        .values(booked=SlotCell.booked - 1)
    )
