"""Bookings on a day their office no longer opens: each holder is told and asked to move.

A closure reaches the network file after people booked the day (a holiday announced late,
an office shut for works). The load runs this in its own transaction, so the holders are
told exactly when the closure takes effect; each booking is told once per closed day, so
loading the same file again sends nothing more.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.booking import notices
from kezek.booking.details import booking_details
from kezek.booking.models import Booking, BookingStatus, Citizen
from kezek.network.directory import Directory, OfficeInfo
from kezek.notify.rules import NotifyRules


def tell_closed_days(
    session: Session, *, directory: Directory, rules: NotifyRules, horizon_days: int, now: datetime
) -> int:
    """Tell the holders of future bookings on closed days; the number of messages written."""
    written = 0
    for office in directory.offices(session):
        for day in _closed_days(office, now=now, horizon_days=horizon_days):
            start = datetime.combine(day, time(), tzinfo=office.zone)
            rows = session.execute(
                select(Booking, Citizen)
                .join(Citizen, Citizen.id == Booking.citizen_id)
                .where(
                    Booking.office_id == office.id,
                    Booking.status == BookingStatus.confirmed.value,
                    Booking.starts_at >= max(start, now),
                    Booking.starts_at < start + timedelta(days=1),
                )
                # A reminders' pass holding a booking finishes first; the notice then
                # withdraws what it wrote, and the next pass sees the notice.
                .with_for_update(of=Booking)
            ).all()
            for booking, citizen in rows:
                details = booking_details(session, directory, booking, citizen)
                written += notices.tell(
                    session.connection(), details, "office_closed", rules=rules, now=now
                )
    return written


def _closed_days(office: OfficeInfo, *, now: datetime, horizon_days: int) -> list[date]:
    today = now.astimezone(office.zone).date()
    days = (today + timedelta(days=offset) for offset in range(horizon_days + 1))
    return [day for day in days if office.plan.calendar.is_closed(day)]
