"""Loading the office network, as ``kezek network load`` and the admin page both do it.

It lives above the network and the bookings because it needs both: the load changes the
network, and the warning counts the bookings a changed grid no longer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kezek.admin.retention import Purged, purge
from kezek.booking.closed_days import tell_closed_days
from kezek.booking.future import future_bookings
from kezek.db import run_transaction
from kezek.network.directory import Directory
from kezek.network.load import LoadReport, load_network
from kezek.network.spec import NetworkSpec
from kezek.notify.rules import NotifyRules
from kezek.queue.bus import BoardBus
from kezek.queue.windows import close_all_of
from kezek.rounds.places import fix_all
from kezek.staff.models import StaffUser
from kezek.staff.service import disable_staff
from kezek.types import utcnow


@dataclass(frozen=True)
class NetworkLoaded:
    report: LoadReport
    # Offices whose slot grid or window pools changed while they have bookings to come,
    # with how many: those bookings keep their places, the new counters do not count them.
    regridded_with_bookings: dict[str, int] = field(default_factory=dict)
    # Messages written to holders of bookings on days the file closes.
    told: int = 0


def load_network_file(
    sessions: sessionmaker[Session],
    spec: NetworkSpec,
    *,
    notify: NotifyRules | None = None,
    horizon_days: int = 366,
) -> NetworkLoaded:
    """Load a checked network file in one transaction, and say what it means for bookings:
    holders of bookings on days the file closes are told, in the same transaction."""

    def load(session: Session) -> NetworkLoaded:
        report = load_network(session, spec)
        # A new round's places are counted and published at once, before anyone applies.
        fix_all(session, directory=Directory(max_age=0), now=utcnow())
        told = 0
        if notify is not None and notify.channels:
            told = tell_closed_days(
                session,
                directory=Directory(max_age=0),
                rules=notify,
                horizon_days=horizon_days,
                now=utcnow(),
            )
        if not report.regridded:
            return NetworkLoaded(report, told=told)
        # Counted in the load's own transaction: what it says is what the load left.
        affected = future_bookings(session, office_codes=report.regridded)
        return NetworkLoaded(report, dict(sorted(affected.items())), told=told)

    return run_transaction(sessions, load)


def purge_expired(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    keep_keys: timedelta,
    keep_messages: timedelta = timedelta(days=30),
) -> Purged:
    """Forget what no request can need any more (``kezek.admin.retention``), in one transaction."""
    return run_transaction(
        sessions,
        lambda session: purge(session, now=now, keep_keys=keep_keys, keep_messages=keep_messages),
    )


def disable_member(
    sessions: sessionmaker[Session], bus: BoardBus, *, username: str, by: str, now: datetime
) -> StaffUser:
    """Disable a member of staff: their tokens stop working, and every window they have open
    closes, its citizen back in line, so that nobody waits for a clerk who is not there."""

    def disable(session: Session) -> StaffUser:
        user = disable_staff(session, username=username)
        closed = close_all_of(session, staff_id=user.id, now=now, actor=by)
        for office_id in {window.office_id for window in closed}:
            bus.publish(session, office_id)
        return user

    return run_transaction(sessions, disable)
