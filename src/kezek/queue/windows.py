"""Window sessions: a clerk opens a window for some of its services, pauses it, closes it.

Only an open window calls tickets, and open windows are what wait estimates count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kezek.errors import Conflict
from kezek.network.directory import Directory
from kezek.queue.models import WindowSession, WindowSessionStatus
from kezek.queue.tickets import calling_window, release_window
from kezek.staff.members import Staff
from kezek.staff.models import StaffUser


class WindowInUse(Conflict):
    code = "window_in_use"
    title = "Someone else has this window open"


class WindowNotOpen(Conflict):
    code = "window_not_open"
    title = "Open the window first"


def open_window(
    session: Session,
    *,
    directory: Directory,
    staff: Staff,
    office_code: str,
    window_code: str,
    services: frozenset[str] | None,
    now: datetime,
) -> WindowSession:
    """Open the window, or change what it serves if this clerk has it open already."""
    office = directory.office(session, office_code)
    window = calling_window(office, window_code, services)
    current = current_session(session, window_id=office.window_ids[window_code], lock=True)
    if current is not None and current.staff_id != staff.id:
        raise WindowInUse(f"Window {window_code} is open for another clerk. Ask them to close it.")
    if current is None:
        current = WindowSession(
            window_id=office.window_ids[window_code],
            office_id=office.id,
            staff_id=staff.id,
            opened_at=now,
        )
        session.add(current)
    current.services = sorted(window.services)
    current.status = WindowSessionStatus.open
    try:
        session.flush()
    except IntegrityError:
        raise WindowInUse(f"Window {window_code} was opened by another clerk just now.") from None
    return current


def set_window_status(
    session: Session,
    *,
    directory: Directory,
    staff: Staff,
    office_code: str,
    window_code: str,
    status: WindowSessionStatus,
    now: datetime,
) -> WindowSession:
    """Pause, resume (open) or close the window this clerk has open.

    Closing puts the citizen called there back in line; it waits while one is served. A
    manager or admin may also close a window another clerk left open (gone home, taken
    ill): then the citizen there goes back in line even if being served, to be served at
    another window.
    """
    office = directory.office(session, office_code)
    calling_window(office, window_code, None)  # an unknown window is a 404
    current = current_session(session, window_id=office.window_ids[window_code], lock=True)
    if current is None:
        raise WindowNotOpen(f"Window {window_code} is not open.")
    if current.staff_id != staff.id:
        if status is not WindowSessionStatus.closed or not staff.oversees:
            raise WindowNotOpen(f"You do not have window {window_code} open.")
        _close(session, current, now=now, actor=staff.username, force=True)
        return current
    if status is WindowSessionStatus.closed:
        _close(session, current, now=now, actor=staff.username)
    else:
        current.status = status
        session.flush()
    return current


def close_all_of(
    session: Session, *, staff_id: int, now: datetime, actor: str
) -> list[WindowSession]:
    """Every window a member of staff has open closes: they were disabled."""
    held = list(
        session.scalars(
            select(WindowSession)
            .where(
                WindowSession.staff_id == staff_id,
                WindowSession.status != WindowSessionStatus.closed,
            )
            .with_for_update()
        )
    )
    for window in held:
        _close(session, window, now=now, actor=actor, force=True)
    return held


def _close(
    session: Session, window: WindowSession, *, now: datetime, actor: str, force: bool = False
) -> None:
    """The window closes; the citizen there, if any, goes back in line (``release_window``)."""
    release_window(session, window_id=window.window_id, now=now, actor=actor, force=force)
    window.status = WindowSessionStatus.closed
    window.closed_at = now
    session.flush()


_CURRENT = select(WindowSession).where(
    WindowSession.window_id == bindparam("window_id"),
    WindowSession.status != WindowSessionStatus.closed,
)
_CURRENT_LOCKED = _CURRENT.with_for_update()


def current_session(
    session: Session, *, window_id: int, lock: bool = False
) -> WindowSession | None:
    """The window's session that is not closed; built once, as it runs on every call."""
    return session.scalar(_CURRENT_LOCKED if lock else _CURRENT, {"window_id": window_id})


def held_windows(session: Session, *, office_id: int) -> list[tuple[WindowSession, StaffUser]]:
    """The office's windows open or paused, each with the clerk who has it, by window."""
    held = session.execute(
        select(WindowSession, StaffUser)
        .join(StaffUser, StaffUser.id == WindowSession.staff_id)
        .where(
            WindowSession.office_id == office_id,
            WindowSession.status != WindowSessionStatus.closed,
        )
        .order_by(WindowSession.window_id)
    )
    return [(window, clerk) for window, clerk in held]


def open_windows(session: Session, *, office_id: int) -> list[WindowSession]:
    """Windows open and not paused: those that will call tickets."""
    return list(
        session.scalars(
            select(WindowSession).where(
                WindowSession.office_id == office_id,
                WindowSession.status == WindowSessionStatus.open,
            )
        )
    )
