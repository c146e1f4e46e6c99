"""What a citizen holding a ticket sees: its place in line and when it should be called."""

from __future__ import annotations

import bisect
import hmac
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, BookingStatus
from kezek.codes import ticket_code
from kezek.db import is_postgresql
from kezek.direct import Direct
from kezek.errors import NotFound
from kezek.i18n import N_
from kezek.network.directory import Directory, OfficeInfo
from kezek.network.models import Window
from kezek.queue.estimate import OpenWindow, ServiceTimes, estimate_calls
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.policy import CallingWindow, WaitingTicket, policy_for
from kezek.queue.tickets import hash_ticket_secret, typed_secret
from kezek.queue.windows import open_windows
from kezek.types import as_utc

if TYPE_CHECKING:
    from kezek.queue.line_process import LineProcess

# A ticket's state in the words the ticket page, the staff pages and the bot all use.
TICKET_STATES = {
    "waiting": N_("Waiting"),
    "called": N_("Called: on the way to your window"),
    "serving": N_("Being served"),
    "done": N_("Finished: served"),
    "no_show": N_("No-show"),
    "cancelled": N_("Cancelled"),
    "transferred": N_("Sent to another service"),
    "not_served": N_("Not served: the line closed"),
}


class NextStep(StrEnum):
    """What the holder should do now."""

    check_in = "check_in"  # taken from a phone: come, and check in at the kiosk or the door
    wait = "wait"  # at the office, in line
    go_to_window = "go_to_window"  # called
    none = "none"  # served, closed, or gone


class TicketFacts(Protocol):
    """What a ticket's page shows of the ticket itself: a row read for it, or the line's
    own copy (``TicketRow``)."""

    @property
    def id(self) -> int: ...
    @property
    def office_id(self) -> int: ...
    @property
    def day(self) -> date: ...
    @property
    def code(self) -> str: ...
    @property
    def status(self) -> str: ...  # a TicketStatus
    @property
    def window_id(self) -> int | None: ...
    @property
    def remote(self) -> bool: ...
    @property
    def checked_in_at(self) -> datetime | None: ...
    @property
    def passed_over_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def language(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A ticket's row as its page needs it, read in one statement. The line keeps those of
    its tickets (waiting, called or being served), as they were when it was worked out: with
    the secret's hash, a page is answered from them without the database."""

    id: int
    office_id: int
    day: date
    code: str
    status: str  # a TicketStatus
    window_id: int | None
    remote: bool
    checked_in_at: datetime | None
    passed_over_at: datetime | None
    language: str | None
    secret_hash: str
    ended_at: datetime | None


# What a ``TicketRow`` is read from.
_ROW_COLUMNS = (
    Ticket.id,
    Ticket.office_id,
    Ticket.day,
    Ticket.prefix,
    Ticket.number,
    Ticket.status,
    Ticket.window_id,
    Ticket.remote,
    Ticket.checked_in_at,
    Ticket.passed_over_at,
    Ticket.language,
    Ticket.secret_hash,
    Ticket.ended_at,
)


# A kept line's rows are these columns first (a line worked out apart sends only these).
ROW_WIDTH = len(_ROW_COLUMNS)


def _row(found: Sequence[Any]) -> TicketRow:
    """From a row read, or its first ``ROW_WIDTH`` columns as a tuple: by place."""
    (
        id_,
        office_id,
        day,
        prefix,
        number,
        status,
        window_id,
        remote,
        checked_in_at,
        passed_over_at,
        language,
        secret_hash,
        ended_at,
    ) = found[:ROW_WIDTH]
    return TicketRow(
        id=id_,
        office_id=office_id,
        day=day,
        code=ticket_code(prefix, number),
        status=status,
        window_id=window_id,
        remote=remote,
        checked_in_at=checked_in_at,
        passed_over_at=passed_over_at,
        language=language,
        secret_hash=secret_hash,
        ended_at=ended_at,
    )


@dataclass(frozen=True)
class TicketStatusView:
    ticket: TicketFacts
    office: OfficeInfo
    position: int | None  # 1 = next; None once called, or when no open window serves it
    estimated_call_at: datetime | None
    window: str | None

    @property
    def checked_in(self) -> bool:
        """At the office: a ticket taken there, or one from a phone checked in since."""
        return not self.ticket.remote or self.ticket.checked_in_at is not None

    @property
    def passed_over(self) -> bool:
        """Its turn came before its holder checked in; it kept its place, once."""
        return self.ticket.passed_over_at is not None and self.ticket.checked_in_at is None

    @property
    def over(self) -> bool:
        """Nothing more will happen to the ticket (served, missed, cancelled, or sent home
        at closing): its page has nothing left to wait for, and stops reloading."""
        return self.next_step is NextStep.none

    @property
    def next_step(self) -> NextStep:
        status = self.ticket.status
        if status == TicketStatus.waiting:
            return NextStep.wait if self.checked_in else NextStep.check_in
        if status in (TicketStatus.called, TicketStatus.serving):
            return NextStep.go_to_window
        return NextStep.none


def _a_ticket_id(ticket_id: int) -> bool:
    """An id past the column's range (typed by hand, or probing) is no ticket, not an error."""
    return 0 < ticket_id < 2**31


_BY_ID = select(*_ROW_COLUMNS).where(Ticket.id == bindparam("ticket_id"))


def ticket_status(
    session: Session,
    *,
    directory: Directory,
    ticket_id: int,
    ticket_secret: str,
    now: datetime,
    kept: KeptLines | None = None,
    apart: LineProcess | None = None,
) -> TicketStatusView:
    """The ticket's page from its row, read in one statement (``kept_view`` needs none)."""
    found = (
        session.execute(_BY_ID, {"ticket_id": ticket_id}).first()
        if _a_ticket_id(ticket_id)
        else None
    )
    ticket = _row(found) if found is not None else None
    if ticket is None or not _proved(ticket, ticket_secret):
        raise _no_such_ticket()
    return status_view(session, directory=directory, ticket=ticket, now=now, kept=kept, apart=apart)


def _no_such_ticket() -> NotFound:
    return NotFound("No ticket has this number and secret.", field="ticket")


# The page of a ticket out of the line (called, at a window, served, ended) needs its row
# alone. On PostgreSQL the row is read by itself in autocommit: one round trip, where a
# transaction takes three. Of the reads a kept line cannot answer, most are of such
# tickets: a phone's reloads once its holder has been called.
_ROW_ALONE = Direct(_BY_ID)
_NEEDS_MORE = (TicketStatus.waiting, TicketStatus.transferred)


def row_alone_view(
    sessions: sessionmaker[Session], *, directory: Directory, ticket_id: int, ticket_secret: str
) -> TicketStatusView | None:
    """The page of a ticket out of the line, from its row read alone on PostgreSQL; None
    where the row cannot tell: on SQLite, for a ticket waiting (its place needs its line)
    or sent on (its page is the new ticket's), or called to a window since removed.
    ``NotFound`` for no such ticket or a wrong secret, as the transaction's read says."""
    engine = sessions.kw["bind"]
    if not is_postgresql(engine):
        return None
    found = _ROW_ALONE.rows(engine, {"ticket_id": ticket_id}) if _a_ticket_id(ticket_id) else []
    if not found:
        raise _no_such_ticket()
    ticket = _row(found[0])
    if not _proved(ticket, ticket_secret):
        raise _no_such_ticket()
    if ticket.status in _NEEDS_MORE:
        return None
    office = directory.office_by_id(sessions, ticket.office_id)
    window = office.window_code(ticket.window_id)
    if window is None and ticket.window_id is not None:
        return None
    # The driver gives times in the connection's zone; the ORM's column type gives UTC.
    ticket = replace(
        ticket,
        checked_in_at=_in_utc(ticket.checked_in_at),
        passed_over_at=_in_utc(ticket.passed_over_at),
        ended_at=_in_utc(ticket.ended_at),
    )
    return TicketStatusView(ticket, office, None, None, window)


def _in_utc(at: datetime | None) -> datetime | None:
    return as_utc(at) if at is not None else None


def kept_view(
    kept: KeptLines, *, ticket_id: int, ticket_secret: str, now: datetime
) -> TicketStatusView | None:
    """The ticket's page from the line this process keeps, with no database: None when no
    kept line holds the ticket, the line is due to be worked out again (``KeptLines``), or
    the secret is not the one kept with it.

    So the page of a ticket in line is as fresh as its line: its own state (called, to which
    window) too, within ``settle`` in a busy office. A secret that does not match is asked
    of the database rather than refused: a receipt printed again since has a new one."""
    held = kept.held(ticket_id, now=now)
    if held is None:
        return None
    line, ticket = held
    if not _proved(ticket, ticket_secret):
        return None
    assert line.office is not None  # a line that holds tickets knows its office
    if ticket.window_id is not None and line.office.window_code(ticket.window_id) is None:
        return None  # called to a window since removed: its code is read with the row
    return _view_in(line, line.office, ticket)


def _proved(ticket: TicketRow, ticket_secret: str) -> bool:
    return hmac.compare_digest(ticket.secret_hash, hash_ticket_secret(typed_secret(ticket_secret)))


def status_view(
    session: Session,
    *,
    directory: Directory,
    ticket: TicketFacts,
    now: datetime,
    kept: KeptLines | None = None,
    apart: LineProcess | None = None,
) -> TicketStatusView:
    """The ticket (or the one it was transferred to) as its page shows it; the caller has
    proved its holder. With ``kept``, the line's estimates are those this process worked
    out since the office's latest change; with ``apart`` too, a line long at its last work
    is worked out by the process beside this one."""
    ticket = _followed(session, ticket)
    office = directory.office_by_id(session, ticket.office_id)
    if ticket.status != TicketStatus.waiting:
        window = office.window_code(ticket.window_id)
        if window is None and ticket.window_id is not None:  # a window since removed
            removed = session.get(Window, ticket.window_id)
            window = removed.code if removed is not None else None
        return TicketStatusView(ticket, office, None, None, window)
    day = ticket.day

    def work() -> LineEstimate:
        if apart is not None and kept is not None and apart.takes(kept.waiting(office.id, day)):
            line = apart.work_out(office, day, now)
            if line is not None:
                return line
        return work_out_line(session, office=office, day=day, now=now)

    if kept is None:
        line = work()
    else:
        line = kept.line(office.id, day, now=now, work=work, holding=ticket.id)
    return _view_in(line, office, ticket)


def _view_in(line: LineEstimate, office: OfficeInfo, ticket: TicketFacts) -> TicketStatusView:
    """A ticket of ``line`` as its page shows it: its place and estimate while it waits."""
    if ticket.status != TicketStatus.waiting:
        return TicketStatusView(ticket, office, None, None, office.window_code(ticket.window_id))
    mine = line.estimates.get(ticket.id)
    return TicketStatusView(ticket, office, line.position(mine), _to_the_minute(mine), None)


def _to_the_minute(at: datetime | None) -> datetime | None:
    """An estimate to the nearest minute, as the pages show it: a reload that would show
    the same time is the same answer (and a 304), not a new one by some seconds."""
    if at is None:
        return None
    return (at + timedelta(seconds=30)).replace(second=0, microsecond=0)


class LineEstimate:
    """When each waiting ticket of a line should be called, and so its place.

    ``waiting`` holds every ticket the line was worked out from, those no open window
    serves too, which have no estimate. ``rows`` has the rows of the line's tickets, called
    and being served too, as they were read then (as ``TicketRow`` by ``ticket``, only when
    asked: most never are); ``office`` is the office they were read for."""

    def __init__(
        self,
        estimates: dict[int, datetime],
        waiting: frozenset[int] | None = None,
        *,
        rows: Mapping[int, Sequence[Any]] | None = None,
        office: OfficeInfo | None = None,
    ) -> None:
        self.estimates = estimates
        self.waiting = frozenset(estimates) if waiting is None else waiting
        self.rows = rows or {}
        self.office = office
        self._in_order = sorted(estimates.values())

    def holds(self, ticket_id: int | None) -> bool:
        """Worked out from this ticket (or from whoever, for None)."""
        return ticket_id is None or ticket_id in self.waiting

    def ticket(self, ticket_id: int) -> TicketRow | None:
        """The ticket as it was when the line was worked out, if the line holds it."""
        found = self.rows.get(ticket_id)
        return _row(found) if found is not None else None

    def position(self, at: datetime | None) -> int | None:
        """1 for the next; the tickets estimated before ``at``, and one."""
        return None if at is None else 1 + bisect.bisect_left(self._in_order, at)


# The tickets that kept lines may hold at once, in all: a hundred busy offices' days.
MAX_HELD = 200_000
# A busy office's line is kept across changes for at least ten times as long as its last
# work took, so that working it out takes at most a tenth of the process's time, however
# long the line. A line of 5,000 takes about 0.1 s of work alone and 0.35 s on a loaded
# worker; worked out 0.7 times a second, it held the interpreter a quarter of the time,
# and the worker's other requests waited on it (bench/queue_day.py --phones 5000).
WORK_SHARE = 10


class KeptLines:
    """Each office's line estimate, worked out once per change in this process, and at most
    once per ``settle`` while the office changes faster than that.

    Thousands of holders reload their ticket pages every 20 seconds; each reload reading
    and ordering the whole line would cost more than the line's own work. ``changes`` counts
    the changes of an office this process has heard of (the boards' bus), and an estimate is
    kept until the next, and for at most ``max_age``: time alone moves it too (appointments
    fall due, a service runs long), and a booking made or cancelled is not announced.

    A busy office changes many times a second, and its pages reload more often than that;
    worked out at each change, the line would cost as much as if nothing were kept. So an
    estimate younger than ``settle`` (or ``WORK_SHARE`` times its work's length, if longer:
    a long line takes long to work out) is kept across changes too, and a place shown may be
    that much behind, and so may a waiting ticket's own state when its page is answered
    from the kept line (``held``), unless its holder has checked in through this process
    since (``touched``). A ticket the kept line was not worked out from (issued,
    sent on or put back in line since) has the line worked out again. An office changing
    less than once per ``settle`` shows each change to the next page read.

    While one thread works a line out, the others serve the line kept before, if it holds
    their ticket and is younger than twice ``settle``, rather than wait with a database
    connection checked out; otherwise they wait for it. So a place shown is at most two
    ``settle`` behind, and the time one work takes.
    """

    def __init__(
        self,
        changes: Callable[[int], int],
        *,
        max_age: timedelta = timedelta(seconds=10),
        settle: float = 1.0,
        ticks: Callable[[], float] = monotonic,
    ) -> None:
        self._changes = changes
        self._max_age = max_age
        # In seconds of the machine's own clock: it bounds work, and a test's clock standing
        # still must not keep a line for ever.
        self._settle = settle
        self._ticks = ticks
        self._kept: dict[tuple[int, date], _Kept] = {}
        self._working: dict[tuple[int, date], threading.Lock] = {}
        # Which kept line holds each ticket, for ``held``: a page asks by the ticket alone.
        self._holding: dict[int, tuple[int, date]] = {}
        # When this process last changed each ticket its holder acted on (``touched``).
        self._touched: dict[int, float] = {}

    def held(self, ticket_id: int, *, now: datetime) -> tuple[LineEstimate, TicketRow] | None:
        """The kept line that holds the ticket, and its row there, if that line would
        serve its page now (``line`` would not work it out again) and this process has not
        changed the ticket since (``touched``); never works anything out, nor waits, so it
        may be asked from the event loop."""
        key = self._holding.get(ticket_id)
        if key is None:
            return None
        kept = self._fresh_kept(key, now, ticket_id)
        if kept is None or self._touched.get(ticket_id, -1.0) >= kept.began_at:
            return None
        row = kept.line.ticket(ticket_id)
        return None if row is None else (kept.line, row)

    def waiting(self, office_id: int, day: date) -> int | None:
        """How many were waiting in the office's line kept for ``day`` at its last work;
        None if this process has not worked it out yet."""
        kept = self._kept.get((office_id, day))
        return len(kept.line.waiting) if kept is not None else None

    def touched(self, ticket_id: int) -> None:
        """This process has just changed the ticket at its holder's own hand (a check-in):
        a line whose work began before is no longer its page, even in a busy office, where
        the holder would otherwise be asked to check in again until the line is worked out
        anew. The work's start, not its end: its rows may have been read before the change."""
        if len(self._touched) > MAX_HELD:
            self._touched.clear()
        self._touched[ticket_id] = self._ticks()

    def line(
        self,
        office_id: int,
        day: date,
        *,
        now: datetime,
        work: Callable[[], LineEstimate],
        holding: int | None = None,
    ) -> LineEstimate:
        """The line of the office's day, worked out by ``work`` unless kept; with
        ``holding``, a kept line from before a change serves only if it holds that ticket."""
        key = (office_id, day)
        found = self._fresh(key, now, holding)
        if found is not None:
            return found
        working = self._working.setdefault(key, threading.Lock())
        if not working.acquire(blocking=False):
            # Another thread is working the line out. Waiting for it would hold this
            # request's database connection idle, and a thousand pages doing so empty the
            # pool under the clerks' feet: the kept line serves meanwhile, if it holds the
            # ticket and is young enough (``_meanwhile``).
            found = self._meanwhile(key, now, holding)
            if found is not None:
                return found
            working.acquire()
        try:
            found = self._fresh(key, now, holding)
            if found is not None:
                return found
            # Counted before the work: a change during it makes the next reader work again.
            version = self._changes(office_id)
            began_at = self._ticks()
            line = work()
            worked_at = self._ticks()
            if len(self._kept) > 1000 or len(self._holding) > MAX_HELD:
                # Yesterday's lines of every office, and the tickets they held, at most.
                self._kept.clear()
                self._holding.clear()
                self._working = {key: working}
            self._holding.update(dict.fromkeys(line.rows, key))
            settling = self._busy(self._kept.get(key), worked_at)
            self._kept[key] = _Kept(version, now, began_at, worked_at, line, settling)
            return line
        finally:
            working.release()

    def _busy(self, previous: _Kept | None, worked_at: float) -> bool:
        """An office worked out again within ``settle`` is busy, and stays so while each
        line is worked out within ``settle`` of the end of the one before's: a quiet
        office's change is shown at once."""
        if previous is None:
            return False
        since = worked_at - previous.worked_at
        settle = self._settle_of(previous)
        return since < settle or (previous.settling and since < 2 * settle)

    def _settle_of(self, kept: _Kept) -> float:
        return max(self._settle, WORK_SHARE * (kept.worked_at - kept.began_at))

    def _fresh(
        self, key: tuple[int, date], now: datetime, holding: int | None
    ) -> LineEstimate | None:
        kept = self._fresh_kept(key, now, holding)
        return kept.line if kept is not None else None

    def _fresh_kept(
        self, key: tuple[int, date], now: datetime, holding: int | None
    ) -> _Kept | None:
        kept = self._young(key, now)
        if kept is None:
            return None
        if kept.version == self._changes(key[0]):
            return kept
        young = self._ticks() - kept.worked_at < self._settle_of(kept)
        if kept.settling and kept.line.holds(holding) and young:
            return kept
        return None

    def _meanwhile(
        self, key: tuple[int, date], now: datetime, holding: int | None
    ) -> LineEstimate | None:
        kept = self._young(key, now)
        if kept is None or self._ticks() - kept.worked_at >= 2 * self._settle_of(kept):
            return None
        return kept.line if kept.line.holds(holding) else None

    def _young(self, key: tuple[int, date], now: datetime) -> _Kept | None:
        """The line kept, if worked out for less than ``max_age`` before ``now``."""
        kept = self._kept.get(key)
        if kept is None or not timedelta(0) <= now - kept.at < self._max_age:
            return None
        return kept


@dataclass(frozen=True)
class _Kept:
    version: int  # the office's changes counted when the work began
    at: datetime  # the business clock's time the line is for
    # The machine's monotonic clock as the work began (its rows were read after) and ended.
    began_at: float
    worked_at: float
    line: LineEstimate
    settling: bool  # the office is busy (``_busy``): kept across changes for ``settle``


def _followed(session: Session, ticket: TicketFacts) -> TicketFacts:
    """A citizen sent on to another service follows them on the same receipt: the holder of
    the first ticket sees the ticket it became, its new number and its place."""
    for _ in range(10):  # a chain of transfers is short; a loop could not be
        if ticket.status != TicketStatus.transferred:
            break
        after = session.execute(
            select(*_ROW_COLUMNS).where(Ticket.transferred_from_id == ticket.id)
        ).first()
        if after is None:
            break
        ticket = _row(after)
    return ticket


def work_out_line(
    session: Session, *, office: OfficeInfo, day: date, now: datetime
) -> LineEstimate:
    """The office's line of ``day`` worked out at ``now``, from the database: in this
    process, or in the one beside it (``kezek.queue.line_process``)."""
    codes = office.service_codes
    # Columns, through the session's connection: the ORM's loading of each of thousands of
    # rows is skipped.
    in_line = (
        session.connection()
        .execute(
            select(
                *_ROW_COLUMNS,
                Ticket.service_id,
                Ticket.arrived_at,
                Ticket.group,
                Ticket.appointment_at,
                Ticket.started_at,
                Ticket.called_at,
            ).where(
                Ticket.office_id == office.id,
                Ticket.day == day,
                Ticket.status.in_(
                    (TicketStatus.waiting, TicketStatus.called, TicketStatus.serving)
                ),
            )
        )
        .all()
    )
    times = _service_times(session, office=office, day=day)
    busy_until = {
        row.window_id: (row.started_at or row.called_at or now)
        + times.mean(codes.get(row.service_id, ""))
        for row in in_line
        if row.status != TicketStatus.waiting and row.window_id
    }
    window_codes = office.window_codes
    plans = {window.code: window for window in office.plan.windows}
    windows = []
    for current in open_windows(session, office_id=office.id):
        code = window_codes.get(current.window_id)
        if code is None or code not in plans:
            continue
        calling = CallingWindow(code, frozenset(current.services), plans[code].group)
        windows.append(OpenWindow(calling, busy_until.get(current.window_id, now)))
    # A ticket from a phone not checked in keeps its place: estimated as if its holder came.
    waiting = [
        WaitingTicket(
            row.id,
            codes.get(row.service_id, ""),
            row.arrived_at,
            row.group,
            row.appointment_at,
            remote=row.remote,
            checked_in_at=row.checked_in_at,
            passed_over_at=row.passed_over_at,
        )
        for row in in_line
        if row.status == TicketStatus.waiting
    ]
    estimates = estimate_calls(
        policy=policy_for(office.queue_config),
        waiting=waiting,
        windows=windows,
        service_times=times,
        now=now,
        expected=_expected_appointments(session, office=office, now=now),
    )
    rows = {row.id: row for row in in_line}
    return LineEstimate(
        estimates, frozenset(ticket.id for ticket in waiting), rows=rows, office=office
    )


def _expected_appointments(
    session: Session, *, office: OfficeInfo, now: datetime
) -> list[WaitingTicket]:
    """Today's bookings not checked in yet, that may still be: they will go before walk-ins.

    Each joins the line when it becomes due; the ids are negative so as never to meet a
    ticket's.
    """
    codes = office.service_codes
    config = office.queue_config
    checked_in = select(Ticket.booking_id).where(
        Ticket.office_id == office.id, Ticket.booking_id.is_not(None)
    )
    day_ends = datetime.combine(
        now.astimezone(office.zone).date() + timedelta(days=1), time(), tzinfo=office.zone
    )
    rows = session.execute(
        select(Booking.id, Booking.service_id, Booking.starts_at).where(
            Booking.office_id == office.id,
            Booking.status == BookingStatus.confirmed,
            Booking.starts_at > now - config.late_grace,
            Booking.starts_at < day_ends,
            Booking.id.not_in(checked_in),
        )
    )
    return [
        WaitingTicket(
            -booking_id,
            codes.get(service_id, ""),
            arrived_at=starts_at - config.call_early,
            appointment_at=starts_at,
        )
        for booking_id, service_id, starts_at in rows
    ]


# The EWMA's weight makes older services count for less than 0.9**300 of a recent one.
RECENT_SERVICES = 300


def _service_times(session: Session, *, office: OfficeInfo, day: date) -> ServiceTimes:
    """Configured durations, moved towards how long today's latest services really took."""
    codes = office.service_codes
    times = ServiceTimes(
        {service.code: timedelta(minutes=service.duration_minutes) for service in office.services}
        | {"": timedelta(0)}
    )
    latest = session.execute(
        select(Ticket.service_id, Ticket.started_at, Ticket.ended_at)
        .where(
            Ticket.office_id == office.id,
            Ticket.day == day,
            Ticket.status == TicketStatus.done,
            Ticket.started_at.is_not(None),
            Ticket.ended_at.is_not(None),
        )
        .order_by(Ticket.ended_at.desc(), Ticket.id.desc())
        .limit(RECENT_SERVICES)
    ).all()
    for service_id, started_at, ended_at in reversed(latest):
        code = codes.get(service_id)
        if code is not None and started_at is not None and ended_at is not None:
            times.observe(code, ended_at - started_at)
    return times
