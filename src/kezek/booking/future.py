"""What a change to the network means for the bookings already made."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kezek.booking.models import Booking, BookingStatus
from kezek.network.models import Office
from kezek.types import utcnow


def future_bookings(session: Session, *, office_codes: Iterable[str]) -> dict[str, int]:
    """Confirmed bookings still to come, per office code; offices with none are left out."""
    query = (
        select(Office.code, func.count(Booking.id))
        .join(Booking, Booking.office_id == Office.id)
        .where(
            Office.code.in_(list(office_codes)),
            Booking.status == BookingStatus.confirmed,
            Booking.starts_at > utcnow(),
        )
        .group_by(Office.code)
    )
    counts: dict[str, int] = dict(session.execute(query).all())
    return counts
