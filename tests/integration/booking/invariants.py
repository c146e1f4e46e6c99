"""What must hold after any mix of bookings, cancels and moves."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, BookingStatus, SlotCell


def assert_cells_match_bookings(sessions: sessionmaker[Session]) -> None:
    """Every cell counts exactly the confirmed bookings that hold it, within capacity."""
    with sessions() as session:
        held: Counter[tuple[int, str, datetime]] = Counter()
        for booking in session.scalars(
            select(Booking).where(Booking.status == BookingStatus.confirmed)
        ):
            for i in range(booking.cells):
                start = booking.starts_at + timedelta(minutes=i * booking.cell_minutes)
                held[(booking.office_id, booking.pool, start)] += 1
        counted = {
            (cell.office_id, cell.pool, cell.starts_at): cell.booked
            for cell in session.scalars(select(SlotCell))
            if cell.booked
        }
        over = [cell for cell in session.scalars(select(SlotCell)) if cell.booked > cell.capacity]
    assert counted == dict(held)
    assert over == []
