"""What the live system knows of a campaign: people served per office per day, the
bookings still ahead, and the windows in service.

The planner reads these to re-forecast from today (``kezek plan --actual``), and the
managers' dashboard to set the actual burndown against the plan's. A person sent on to
another service has two tickets; only the last, done, one counts, so each is counted once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kezek.booking.models import Booking, BookingStatus
from kezek.network.models import Office, Window
from kezek.queue.models import Ticket, TicketStatus


def served_by_day(session: Session, *, since: dt.date) -> dict[str, dict[dt.date, int]]:
    """Per office code, the people served on each local day from ``since``."""
    rows = session.execute(
        select(Office.code, Ticket.day, func.count())
        .select_from(Ticket)
        .join(Office, Office.id == Ticket.office_id)
        .where(Ticket.status == TicketStatus.done, Ticket.day >= since)
        .group_by(Office.code, Ticket.day)
    )
    found: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for code, day, count in rows:
        found[code][day] = int(count)
    return dict(found)


def booked_ahead(session: Session, *, now: dt.datetime) -> dict[str, int]:
    """Per office code, the bookings still to come: people already holding a place."""
    rows = session.execute(
        select(Office.code, func.count())
        .select_from(Booking)
        .join(Office, Office.id == Booking.office_id)
        .where(Booking.status == BookingStatus.confirmed, Booking.starts_at >= now)
        .group_by(Office.code)
    )
    return {code: int(count) for code, count in rows}


def windows_in_service(session: Session) -> dict[str, int]:
    """Per office code, the windows the live system has, the inactive left out."""
    rows = session.execute(
        select(Office.code, func.count())
        .select_from(Window)
        .join(Office, Office.id == Window.office_id)
        .where(Window.active.is_(True))
        .group_by(Office.code)
    )
    return {code: int(count) for code, count in rows}


def backlog_left(
    backlog: float,
    served: Mapping[dt.date, int],
    *,
    start: dt.date,
    today: dt.date,
    walk_ins_per_open_day: float,
) -> list[tuple[dt.date, float]]:
    """The backlog still to serve at the end of each day from ``start`` to ``today``.

    The live system cannot tell who of those served was in the backlog. Newcomers who
    walk in are served the day they come (those of a closed day on the next open one), and
    newcomers who book wait behind the backlog, so each day's served less the walk-in
    newcomers of an open day are of the backlog: an estimate, never below zero.
    """
    left = float(backlog)
    out = []
    day = start
    while day <= today:
        left = max(0.0, left - max(0.0, served.get(day, 0) - walk_ins_per_open_day))
        out.append((day, left))
        day += dt.timedelta(days=1)
    return out
