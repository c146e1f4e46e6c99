"""The live queue's actions, as the API, the kiosk and the clerk's console all call them.

Each action checks the member of staff's office and role, runs in one transaction with
its retries, acts at most once per ``Idempotency-Key`` (``kezek.queue.retries``), tells the
office's boards (``kezek.queue.bus``) and counts what it did.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kezek.booking.identity import document_hash, normalize_phone
from kezek.context import AppContext
from kezek.db import is_postgresql, on_commit, read_session, run_transaction
from kezek.errors import Invalid
from kezek.i18n import LANGUAGES, as_language
from kezek.metrics import TICKETS
from kezek.network.directory import OfficeInfo, Reader
from kezek.notify.verification import check_proof
from kezek.queue import closing, notices, remote, tickets, windows
from kezek.queue.board import board
from kezek.queue.issue_statement import issue_in_one_statement
from kezek.queue.kpis import day_kpis
from kezek.queue.models import Ticket, WindowSession, WindowSessionStatus
from kezek.queue.one_statement import ACTIONS, act_in_one_statement, call_in_one_statement
from kezek.queue.retries import Answered, answer_once, fingerprint, ticket_secret_for
from kezek.queue.schemas import (
    Action,
    AtWindowPublic,
    BoardPublic,
    CallPublic,
    CheckedInPublic,
    DayClosedPublic,
    DoorCodePublic,
    IssuedPublic,
    KpisPublic,
    RemoteTicketTaken,
    Settle,
    TicketPublic,
    TicketStatusPublic,
    WindowChange,
    WindowNowPublic,
    WindowSessionPublic,
)
from kezek.queue.status import TicketStatusView, kept_view, row_alone_view
from kezek.queue.status import ticket_status as status_of
from kezek.ratelimit import Limit
from kezek.staff.members import Forbidden, Staff
from kezek.staff.models import Role

_NEW_STATUS = {
    WindowChange.pause: WindowSessionStatus.paused,
    WindowChange.resume: WindowSessionStatus.open,
    WindowChange.close: WindowSessionStatus.closed,
}
# What only the clerk at the ticket's window may do; a manager or admin may step in.
AT_THE_WINDOW = {Action.start, Action.finish, Action.no_show, Action.recall, Action.requeue}


def open_window(
    context: AppContext,
    *,
    staff: Staff,
    office: str,
    window: str,
    services: frozenset[str] | None = None,
) -> WindowSessionPublic:
    """Open the window for some of its services (all if None), or change them while open."""
    staff.require_office(office)

    def work(session: Session) -> WindowSessionPublic:
        info = context.directory.office(session, office)
        context.bus.publish(session, info.id)  # one more window: the line moves faster
        opened = windows.open_window(
            session,
            directory=context.directory,
            staff=staff,
            office_code=office,
            window_code=window,
            services=services,
            now=context.clock(),
        )
        return _window_public(opened, window, info.zone)

    return run_transaction(context.sessions, work)


def change_window(
    context: AppContext, *, staff: Staff, office: str, window: str, change: WindowChange
) -> WindowSessionPublic:
    """Pause, resume or close the window this clerk has open; a manager or admin may also
    close a window another clerk left open."""
    staff.require_office(office)

    def work(session: Session) -> WindowSessionPublic:
        info = context.directory.office(session, office)
        context.bus.publish(session, info.id)  # a closing window puts its caller back in line
        changed = windows.set_window_status(
            session,
            directory=context.directory,
            staff=staff,
            office_code=office,
            window_code=window,
            status=_NEW_STATUS[change],
            now=context.clock(),
        )
        return _window_public(changed, window, info.zone)

    return run_transaction(context.sessions, work)


def windows_now(context: AppContext, *, staff: Staff, office: str) -> list[WindowNowPublic]:
    """Managers: the office's windows open or paused now, with the clerk and the citizen."""
    staff.require_office(office)
    if not staff.oversees:
        raise Forbidden("Only managers and admins see every window.")
    with read_session(context.sessions) as session:
        info = context.directory.office(session, office)
        held = windows.held_windows(session, office_id=info.id)
        at = {t.window_id: t for t in tickets.at_windows(session, office_id=info.id)}
        return [
            WindowNowPublic(
                window=info.window_code(window.window_id) or "",
                status=window.status,
                clerk=clerk.username,
                clerk_name=clerk.full_name,
                opened_at=window.opened_at.astimezone(info.zone),
                ticket=at[window.window_id].code if window.window_id in at else None,
                ticket_status=at[window.window_id].status if window.window_id in at else None,
            )
            for window, clerk in held
        ]


def call_next(
    context: AppContext,
    *,
    staff: Staff,
    office: str,
    window: str,
    settle: Settle | None = None,
    key: str | None = None,
) -> Answered[TicketPublic | None]:
    """Call the next ticket to a window this clerk has open; None when nobody waits.

    The citizen already called there is first marked a no-show or put back in line, as
    ``settle`` says; without it, a window holding someone refuses (``window_busy``).
    """
    staff.require_office(office)
    if key is None and settle is None and _call_alone_fits(context):
        alone = _call_alone(context, staff=staff, office=office, window=window)
        if alone is not None:
            return alone

    def call(session: Session) -> tuple[TicketPublic | None, int | None]:
        info = context.directory.office(session, office)
        plan = tickets.calling_window(info, window, None)  # an unknown window is a 404
        now = context.clock()
        if settle is None and is_postgresql(session):
            outcome = call_in_one_statement(
                session,
                office=info,
                window=plan,
                staff_id=staff.id,
                now=now,
                actor=staff.username,
                notify=not context.bus.sends_notices,
            )
            if not outcome.window_open:
                raise _window_not_open(window)
            if outcome.left is None:
                if outcome.ticket is not None:
                    context.bus.announced(session, info.id)
                return _told(session, context, info, window, outcome.ticket, now, services=None)
        # Locked: two calls to one window (a double tap) take turns rather than race.
        current = windows.current_session(session, window_id=info.window_ids[window], lock=True)
        if current is None or current.status != "open" or current.staff_id != staff.id:
            raise _window_not_open(window)
        ticket = tickets.call_next(
            session,
            directory=context.directory,
            office_code=office,
            window_code=window,
            services=frozenset(current.services),
            now=now,
            actor=staff.username,
            settle=settle.value if settle else None,
        )
        if ticket is not None or settle is not None:  # a poll finding nobody changes nothing
            context.bus.publish(session, info.id)
        return _told(session, context, info, window, ticket, now, services=current.services)

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "call-next", office, window, settle),
        act=call,
        replay=partial(_ticket_now, context=context),
    )


def _call_alone_fits(context: AppContext) -> bool:
    """Whether call-next can be its one statement committed on its own (one round trip,
    not three): on PostgreSQL, with no message to write in its transaction (the called
    citizen's, those now near the head). The caller also has no Idempotency-Key to record."""
    return not context.rules.notify.channels and is_postgresql(context.sessions)


def _call_alone(
    context: AppContext, *, staff: Staff, office: str, window: str
) -> Answered[TicketPublic | None] | None:
    """Call-next as one statement committed on its own; None when the statement left the
    call to the general path (a window holding someone, a phone's holder ahead)."""
    info = context.directory.office(context.sessions, office)
    outcome = call_in_one_statement(
        context.sessions.kw["bind"],
        office=info,
        window=tickets.calling_window(info, window, None),  # an unknown window is a 404
        staff_id=staff.id,
        now=context.clock(),
        actor=staff.username,
        notify=not context.bus.sends_notices,
    )
    if not outcome.window_open:
        raise _window_not_open(window)
    if outcome.left is not None:
        return None
    if outcome.ticket is None:
        return Answered(None, False)
    context.bus.committed(info.id)
    return Answered(_public(outcome.ticket, window_code=window, zone=info.zone), False)


def _office_ids(context: AppContext, staff: Staff) -> frozenset[int] | None:
    """The offices the member of staff acts for, by id; None: every office (an admin)."""
    if staff.role is Role.admin:
        return None
    offices = context.directory.offices(context.sessions)
    return frozenset(office.id for office in offices if office.code in staff.office_codes)


def _window_not_open(window: str) -> windows.WindowNotOpen:
    return windows.WindowNotOpen(f"Open window {window} before calling tickets to it.")


def _told(
    session: Session,
    context: AppContext,
    office: OfficeInfo,
    window: str,
    ticket: Ticket | None,
    now: datetime,
    *,
    services: list[str] | None,
) -> tuple[TicketPublic | None, int | None]:
    """The called ticket's answer, once its holder and those now near the head are told;
    ``services``, the window's (None: read them, only if anyone is to be told)."""
    if ticket is None:
        return None, None
    rules = context.rules.notify
    if rules.channels:
        notices.tell_called(session.connection(), ticket, window=window, rules=rules, now=now)
        if services is None:
            current = windows.current_session(session, window_id=office.window_ids[window])
            services = current.services if current is not None else []
        notices.tell_near(session, office=office, services=services, rules=rules, now=now)
    return _public(ticket, window_code=window, zone=office.zone), ticket.id


def act(
    context: AppContext, *, staff: Staff, ticket_id: int, action: Action, key: str | None = None
) -> Answered[TicketPublic]:
    """Start, finish, recall, requeue, cancel or mark a no-show."""
    # Start and finish write no message: with no Idempotency-Key to record, each is its one
    # statement committed on its own, as call-next may be (``_call_alone_fits``).
    alone = key is None and action.value in ACTIONS and staff.role is not Role.kiosk
    if alone and is_postgresql(context.sessions):
        moved = act_in_one_statement(
            context.sessions.kw["bind"],
            ticket_id=ticket_id,
            action=action.value,
            staff_id=staff.id,
            oversees=staff.oversees,
            office_ids=_office_ids(context, staff),
            now=context.clock(),
            actor=staff.username,
            notify=not context.bus.sends_notices,
        )
        if moved is not None:  # else the general path says why nothing changed
            context.bus.committed(moved.office_id)
            office = context.directory.office_by_id(context.sessions, moved.office_id)
            window = office.window_code(moved.window_id)
            return Answered(_public(moved, window_code=window, zone=office.zone), False)

    def work(session: Session) -> tuple[TicketPublic, int]:
        if action.value in ACTIONS and is_postgresql(session):
            moved = act_in_one_statement(
                session,
                ticket_id=ticket_id,
                action=action.value,
                staff_id=staff.id,
                oversees=staff.oversees,
                office_ids=None,  # checked below, before the commit
                now=context.clock(),
                actor=staff.username,
                notify=not context.bus.sends_notices,
            )
            if moved is not None:
                office = context.directory.office_by_id(session, moved.office_id)
                staff.require_office(office.code)  # else the change rolls back
                context.bus.announced(session, moved.office_id)
                window = office.window_code(moved.window_id)
                return _public(moved, window_code=window, zone=office.zone), moved.id
        ticket = tickets.locked(session, ticket_id)
        info = context.directory.office_by_id(session, ticket.office_id)
        staff.require_office(info.code)
        # A citizen at a window belongs to its clerk: no other clerk cancels them meanwhile.
        if action in AT_THE_WINDOW or ticket.window_id is not None:
            _require_holder(session, staff, ticket)
        now = context.clock()
        tickets.act_on(session, ticket=ticket, action=action.value, now=now, actor=staff.username)
        context.bus.publish(session, ticket.office_id)
        window = info.window_code(ticket.window_id)
        if action is Action.recall and window is not None:  # called again: told again
            notices.tell_called(
                session.connection(), ticket, window=window, rules=context.rules.notify, now=now
            )
        public = _public(ticket, window_code=window, zone=info.zone)
        return public, ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, action.value, ticket_id),
        act=work,
        replay=partial(_ticket_now, context=context),
    )


def transfer(
    context: AppContext, *, staff: Staff, ticket_id: int, service: str, key: str | None = None
) -> Answered[IssuedPublic]:
    """Send the citizen on to another service: a new ticket that keeps the first arrival."""

    def work(session: Session) -> tuple[IssuedPublic, int]:
        ticket = tickets.locked(session, ticket_id)
        staff.require_office(context.directory.office_by_id(session, ticket.office_id).code)
        if ticket.window_id is not None:  # sent on only by the clerk who has them
            _require_holder(session, staff, ticket)
        issued = tickets.transfer(
            session,
            directory=context.directory,
            ticket_id=ticket_id,
            service_code=service,
            now=context.clock(),
            actor=staff.username,
            ticket_secret=_ticket_secret(key, context),
        )
        return _announced(session, context, issued), issued.ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "transfer", ticket_id, service),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


def issue(
    context: AppContext,
    *,
    staff: Staff,
    office: str,
    service: str,
    group: str | None = None,
    key: str | None = None,
) -> Answered[IssuedPublic]:
    """A walk-in ticket, from the kiosk (which runs signed in as a member of the office)."""
    staff.require_office(office, at_kiosk=True)
    if key is None and is_postgresql(context.sessions):  # no key to record: on its own
        issued = issue_in_one_statement(
            context.sessions.kw["bind"],
            office=context.directory.office(context.sessions, office),
            service_code=service,
            group=group,
            now=context.clock(),
            actor=staff.username,
            notify=not context.bus.sends_notices,
        )
        context.bus.committed(issued.ticket.office_id)
        return Answered(_shown(context.sessions, context, issued), False)

    def work(session: Session) -> tuple[IssuedPublic, int]:
        if is_postgresql(session):
            issued = issue_in_one_statement(
                session,
                office=context.directory.office(session, office),
                service_code=service,
                group=group,
                now=context.clock(),
                ticket_secret=_ticket_secret(key, context),
                actor=staff.username,
                notify=not context.bus.sends_notices,
            )
            context.bus.announced(session, issued.ticket.office_id)
            return _shown(session, context, issued), issued.ticket.id
        issued = tickets.issue_walk_in(
            session,
            directory=context.directory,
            office_code=office,
            service_code=service,
            group=group,
            now=context.clock(),
            ticket_secret=_ticket_secret(key, context),
            actor=staff.username,
        )
        return _announced(session, context, issued), issued.ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "issue", office, service, group),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


def check_in(
    context: AppContext,
    *,
    staff: Staff,
    office: str,
    reference: str,
    document_number: str,
    key: str | None = None,
) -> Answered[IssuedPublic]:
    """A ticket for a booking's holder, on the booking's day."""
    staff.require_office(office, at_kiosk=True)

    def work(session: Session) -> tuple[IssuedPublic, int]:
        issued = tickets.check_in(
            session,
            directory=context.directory,
            office_code=office,
            reference=reference,
            document_number=document_number,
            secret=context.secret,
            now=context.clock(),
            ticket_secret=_ticket_secret(key, context),
            actor=staff.username,
        )
        return _announced(session, context, issued), issued.ticket.id

    proof = document_hash(document_number, secret=context.secret)
    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "check-in", office, reference, proof),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


def reprint(
    context: AppContext, *, staff: Staff, office: str, code: str, key: str | None = None
) -> Answered[IssuedPublic]:
    """A lost receipt: today's ticket by its code, with a new secret; the old link stops.
    Sent twice (a double tap), it prints the same new receipt once."""
    staff.require_office(office)

    def work(session: Session) -> tuple[IssuedPublic, int]:
        info = context.directory.office(session, office)
        again = tickets.reissue(
            session,
            office=info,
            code=code,
            now=context.clock(),
            actor=staff.username,
            ticket_secret=_ticket_secret(key, context),
        )
        # The lines kept by every worker hold the old secret's hash: announced as a change,
        # they are read again, and the old receipt stops there too.
        context.bus.publish(session, info.id)
        return _issued_public(again.ticket, secret=again.secret, office=info), again.ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "reprint", office, code),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


def close_day(context: AppContext, *, staff: Staff, office: str) -> DayClosedPublic:
    """A manager closes today's line early: everyone still waiting is sent home, counted."""
    staff.require_office(office)
    if not staff.oversees:
        raise Forbidden("Only a manager or an administrator closes the line for the day.")

    def work(session: Session) -> DayClosedPublic:
        info = context.directory.office(session, office)
        now = context.clock()
        day = now.astimezone(info.zone).date()
        count = closing.close_day(session, office=info, day=day, now=now, actor=staff.username)
        context.bus.publish(session, info.id)
        return DayClosedPublic(office=info.code, date=day, not_served=count)

    return run_transaction(context.sessions, work)


def close_due_days(context: AppContext) -> int:
    """What the clock closes: each office's day once its last window has closed, and any
    earlier day still holding tickets. The number of tickets closed as not served."""
    now = context.clock()
    with read_session(context.sessions) as session:
        offices = context.directory.offices(session)
    return sum(
        run_transaction(
            context.sessions, partial(_close_due, context=context, office=info, now=now)
        )
        for info in offices
    )


def _close_due(session: Session, *, context: AppContext, office: OfficeInfo, now: datetime) -> int:
    closed = sum(
        closing.close_day(session, office=office, day=day, now=now)
        for day in closing.days_to_close(session, office=office, now=now)
    )
    if closed:
        context.bus.publish(session, office.id)
    return closed


def take_remote_ticket(
    context: AppContext,
    *,
    office: str,
    service: str,
    phone: str,
    phone_proof: str,
    language: str,
    client: str,
) -> RemoteTicketTaken:
    """Today's walk-in ticket for a phone proven by its code, before its holder comes; the
    phone's ticket again if it took one today already."""
    now = context.clock()
    context.limiter.check(_remote_per_address(context), client, now=now)
    chosen = as_language(language)
    if chosen is None:
        raise Invalid(f"Choose a language among {', '.join(LANGUAGES)}.", field="language")
    with read_session(context.sessions) as session:
        country = context.directory.office(session, office).country
    try:
        number = normalize_phone(phone, region=country)
    except ValueError as exc:
        raise Invalid(f"This phone number {exc}.", field="phone") from None
    check_proof(phone_proof, phone=number, secret=context.secret, now=now)

    def work(session: Session) -> remote.RemoteIssued:
        taken = remote.issue_remote(
            session,
            directory=context.directory,
            office_code=office,
            service_code=service,
            phone=number,
            language=chosen,
            secret=context.secret,
            now=now,
        )
        if taken.new:
            context.bus.publish(session, taken.issued.ticket.office_id)
            TICKETS.labels(office).inc()
        return taken

    taken = run_transaction(context.sessions, work)
    ticket, secret = taken.issued.ticket, taken.issued.secret
    view = ticket_view(context, ticket_id=ticket.id, ticket_secret=secret)
    zone = view.office.zone
    estimate = view.estimated_call_at
    return RemoteTicketTaken(
        id=ticket.id,
        code=ticket.code,
        office=view.office.code,
        service=view.office.service_codes.get(ticket.service_id, ""),
        secret=secret,
        new=taken.new,
        position=view.position,
        estimated_call_at=estimate.astimezone(zone) if estimate else None,
        wait_minutes=max(0, round((estimate - now).total_seconds() / 60)) if estimate else None,
        taken_at=ticket.arrived_at.astimezone(zone),
    )


def _remote_per_address(context: AppContext) -> Limit:
    """Tickets from phones taken from one address an hour: as many as bookings, counted
    apart from them."""
    return Limit("remote-ticket-address", context.limits.booking_per_address.hits, 3600)


# Guessing the door's code of the day from afar: five tries a quarter of an hour per ticket.
DOOR_CODE_TRIES = Limit("door-code-ticket", 5, 900)


def check_in_remote(
    context: AppContext,
    *,
    staff: Staff,
    office: str,
    code: str,
    phone_last4: str | None = None,
    ticket_secret: str | None = None,
) -> CheckedInPublic:
    """At the kiosk: a ticket from a phone, by its code and the phone's last four digits
    or the ticket's secret. Its holder is called from now on, at the ticket's place."""
    staff.require_office(office, at_kiosk=True)
    if not phone_last4 and not ticket_secret:
        raise Invalid(
            "Type the last four digits of the phone that took the ticket.", field="phone_last4"
        )

    def work(session: Session) -> CheckedInPublic:
        info = context.directory.office(session, office)
        ticket = remote.check_in_at_kiosk(
            session,
            office=info,
            code=code,
            phone_last4=phone_last4,
            ticket_secret=ticket_secret,
            now=context.clock(),
            actor=staff.username,
        )
        context.bus.publish(session, info.id)
        on_commit(session, partial(context.lines.touched, ticket.id))
        return _checked_in_public(ticket, info)

    return run_transaction(context.sessions, work)


def check_in_at_door(
    context: AppContext, *, ticket_id: int, ticket_secret: str, door_code: str
) -> CheckedInPublic:
    """On the ticket's page, at the door: the code of the day that the kiosk shows."""
    now = context.clock()
    context.limiter.check(DOOR_CODE_TRIES, str(ticket_id), now=now)

    def work(session: Session) -> CheckedInPublic:
        ticket = remote.check_in_at_door(
            session,
            directory=context.directory,
            ticket_id=ticket_id,
            ticket_secret=ticket_secret,
            typed_code=door_code,
            secret=context.secret,
            now=now,
        )
        info = context.directory.office_by_id(session, ticket.office_id)
        context.bus.publish(session, info.id)
        on_commit(session, partial(context.lines.touched, ticket.id))
        return _checked_in_public(ticket, info)

    return run_transaction(context.sessions, work)


def door_code_today(context: AppContext, *, staff: Staff, office: str) -> DoorCodePublic:
    """The code of the day for the kiosk's screen, for a kiosk or staff of the office."""
    staff.require_office(office, at_kiosk=True)
    with read_session(context.sessions) as session:
        info = context.directory.office(session, office)
    day = context.clock().astimezone(info.zone).date()
    code = remote.door_code(context.secret, office_id=info.id, day=day)
    return DoorCodePublic(office=info.code, date=day, code=code)


def _checked_in_public(ticket: Ticket, office: OfficeInfo) -> CheckedInPublic:
    return CheckedInPublic(
        id=ticket.id,
        code=ticket.code,
        service=office.service_codes.get(ticket.service_id, ""),
        status=ticket.status,
        checked_in_at=ticket.checked_in_at.astimezone(office.zone)
        if ticket.checked_in_at
        else None,
        passed_over=ticket.passed_over_at is not None,
    )


def ticket_view(context: AppContext, *, ticket_id: int, ticket_secret: str) -> TicketStatusView:
    """The ticket as its holder sees it; the secret printed on it is the only proof asked."""
    view = kept_ticket_view(context, ticket_id=ticket_id, ticket_secret=ticket_secret)
    if view is not None:
        return view
    return read_ticket_view(context, ticket_id=ticket_id, ticket_secret=ticket_secret)


def kept_ticket_view(
    context: AppContext, *, ticket_id: int, ticket_secret: str
) -> TicketStatusView | None:
    """``ticket_view`` from the line this process keeps, without the database or a wait,
    for the event loop to answer itself; None when the kept line cannot tell."""
    return kept_view(
        context.lines, ticket_id=ticket_id, ticket_secret=ticket_secret, now=context.clock()
    )


def read_ticket_view(
    context: AppContext, *, ticket_id: int, ticket_secret: str
) -> TicketStatusView:
    """``ticket_view`` once ``kept_ticket_view`` could not tell, from the database: the
    ticket's row alone where it tells, else the row and its line in one transaction."""
    view = row_alone_view(
        context.sessions,
        directory=context.directory,
        ticket_id=ticket_id,
        ticket_secret=ticket_secret,
    )
    if view is not None:
        return view
    with read_session(context.sessions) as session:
        return status_of(
            session,
            directory=context.directory,
            ticket_id=ticket_id,
            ticket_secret=ticket_secret,
            now=context.clock(),
            kept=context.lines,
            apart=context.line_process,
        )


def ticket_status(context: AppContext, *, ticket_id: int, ticket_secret: str) -> TicketStatusPublic:
    """For the ticket's holder, who has no login: the place in line and the estimated call."""
    return status_public(ticket_view(context, ticket_id=ticket_id, ticket_secret=ticket_secret))


def status_public(view: TicketStatusView) -> TicketStatusPublic:
    """The ticket's page as the API answers it, in its office's time."""
    zone = view.office.zone
    return TicketStatusPublic(
        code=view.ticket.code,
        status=view.ticket.status,
        office=view.office.code,
        position=view.position,
        estimated_call_at=view.estimated_call_at.astimezone(zone)
        if view.estimated_call_at
        else None,
        window=view.window,
        remote=view.ticket.remote,
        checked_in=view.checked_in,
        passed_over=view.passed_over,
        next_step=view.next_step.value,
    )


def office_board(context: AppContext, *, office: str) -> BoardPublic:
    """The display board: ticket numbers and windows only, so it needs no sign-in."""
    with read_session(context.sessions) as session:
        info = context.directory.office(session, office)
        shown = board(session, office=info, now=context.clock())
    return BoardPublic(
        office=info.code,
        last_calls=[
            CallPublic(code=c.code, window=c.window, at=c.at.astimezone(info.zone))
            for c in shown.last_calls
        ],
        at_windows=[
            AtWindowPublic(window=w.window, code=w.code, status=w.status) for w in shown.at_windows
        ],
        waiting=shown.waiting,
    )


def office_kpis(
    context: AppContext, *, staff: Staff, office: str, day: date | None = None
) -> KpisPublic:
    """The day's figures at an office: today in its own zone unless a day is given."""
    staff.require_office(office)
    with read_session(context.sessions) as session:
        info = context.directory.office(session, office)
        now = context.clock()
        figures = day_kpis(
            session, office=info, day=day or now.astimezone(info.zone).date(), now=now
        )
    return KpisPublic(
        date=figures.day,
        issued=figures.issued,
        served=figures.served,
        no_show=figures.no_show,
        not_served=figures.not_served,
        waiting_now=figures.waiting_now,
        mean_wait_minutes=_minutes(figures.mean_wait),
        p90_wait_minutes=_minutes(figures.p90_wait),
        longest_wait_minutes=_minutes(figures.longest_wait),
        mean_service_minutes=_minutes(figures.mean_service),
        utilization=figures.utilization,
    )


def _require_holder(session: Session, staff: Staff, ticket: Ticket) -> None:
    if staff.oversees:
        return
    holder = (
        windows.current_session(session, window_id=ticket.window_id)
        if ticket.window_id is not None
        else None
    )
    if holder is None or holder.staff_id != staff.id:
        raise Forbidden("This ticket is not at a window you have open.")


def _public(ticket: Ticket, *, window_code: str | None, zone: ZoneInfo) -> TicketPublic:
    """Times in the office's own offset, as everywhere the API shows a time."""
    return TicketPublic(
        id=ticket.id,
        code=ticket.code,
        status=ticket.status,
        kind=ticket.kind,
        group=ticket.group,
        arrived_at=ticket.arrived_at.astimezone(zone),
        called_at=ticket.called_at.astimezone(zone) if ticket.called_at else None,
        window=window_code,
    )


def _window_public(current: WindowSession, window: str, zone: ZoneInfo) -> WindowSessionPublic:
    return WindowSessionPublic(
        window=window,
        status=current.status,
        services=current.services,
        opened_at=current.opened_at.astimezone(zone),
    )


def _announced(session: Session, context: AppContext, issued: tickets.Issued) -> IssuedPublic:
    """Tell the office's boards about a new ticket, and show it to its holder."""
    context.bus.publish(session, issued.ticket.office_id)
    return _shown(session, context, issued)


def _shown(reader: Reader, context: AppContext, issued: tickets.Issued) -> IssuedPublic:
    """A new ticket, counted, as its holder sees it."""
    office = context.directory.office_by_id(reader, issued.ticket.office_id)
    TICKETS.labels(office.code).inc()
    return _issued_public(issued.ticket, secret=issued.secret, office=office)


def _issued_public(ticket: Ticket, *, secret: str, office: OfficeInfo) -> IssuedPublic:
    zone = office.zone
    return IssuedPublic(
        id=ticket.id,
        code=ticket.code,
        kind=ticket.kind,
        service=office.service_codes.get(ticket.service_id, ""),
        group=ticket.group,
        secret=secret,
        arrived_at=ticket.arrived_at.astimezone(zone),
        appointment_at=ticket.appointment_at.astimezone(zone) if ticket.appointment_at else None,
    )


def _ticket_secret(key: str | None, context: AppContext) -> str | None:
    return ticket_secret_for(key, secret=context.secret) if key else None


def _ticket_now(session: Session, ticket_id: int, *, context: AppContext) -> TicketPublic:
    """A repeated request's answer: the ticket it acted on, as it is now."""
    ticket = session.get_one(Ticket, ticket_id)
    info = context.directory.office_by_id(session, ticket.office_id)
    return _public(ticket, window_code=info.window_code(ticket.window_id), zone=info.zone)


def _issued_now(
    session: Session, ticket_id: int, *, context: AppContext, key: str | None
) -> IssuedPublic:
    """A repeated issue's answer: the same ticket, with the same secret to print."""
    assert key is not None, "only a request with a key is ever repeated"
    ticket = session.get_one(Ticket, ticket_id)
    office = context.directory.office_by_id(session, ticket.office_id)
    return _issued_public(ticket, secret=_ticket_secret(key, context) or "", office=office)


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)
