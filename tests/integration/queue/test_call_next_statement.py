"""Whatever the line, call-next calls the ticket the pure policy picks, on both databases.

On random lines (walk-ins, appointments early, due and late, priority groups, a corridor
window, tickets from phones absent, present or passed over, waits past the cap), the
general path on SQLite and PostgreSQL, and PostgreSQL's one statement under every policy
setting, call the first ticket of ``Policy.candidates``. The statement leaves the call to
the general path exactly when an absent ticket comes before that one.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.network.queue_config import PolicyConfig
from kezek.queue import candidates, tickets
from kezek.queue.models import Ticket, WindowSession
from kezek.queue.one_statement import Leave, call_in_one_statement
from kezek.queue.policy import Policy, WaitingTicket
from kezek.staff.models import Role, StaffUser
from kezek.types import utcnow
from tests.conftest import POSTGRESQL_ONLY
from tests.integration.queue.helpers import DIRECTORY
from tests.integration.staff.helpers import make_staff

SERVICES = ("quick", "long", "other")
GROUPS = (None, None, "priority", "eaeu")
NOW = utcnow().replace(microsecond=0)


@st.composite
def a_ticket(draw: st.DrawFn) -> dict[str, Any]:
    """One waiting ticket of today, in whole seconds so that ties are real ties."""
    # Arrivals and appointments spread around the caps and the early call, so that which
    # class a ticket falls in, and which class comes first, vary from line to line.
    arrived = NOW - timedelta(seconds=draw(st.integers(0, 3 * 3600)))
    appointment = draw(st.none() | st.integers(-3 * 3600, 3600))
    remote = appointment is None and draw(st.booleans())
    checked_in = remote and draw(st.booleans())
    passed_over = remote and not checked_in and draw(st.booleans())
    return {
        "service": draw(st.sampled_from(SERVICES)),
        # A ticket taken from a phone has no group (``remote.take_remote_ticket``), and the
        # heads of the line count on it (``kezek.queue.candidates``).
        "group": None if remote else draw(st.sampled_from(GROUPS)),
        "arrived_at": arrived,
        "appointment_at": None if appointment is None else NOW + timedelta(seconds=appointment),
        "remote": remote,
        "checked_in_at": min(NOW, arrived + timedelta(seconds=draw(st.integers(0, 3 * 3600))))
        if checked_in
        else None,
        "passed_over_at": NOW - timedelta(minutes=draw(st.integers(0, 30)))
        if passed_over
        else None,
    }


LINES = st.lists(a_ticket(), max_size=14)
CONFIGS = st.builds(
    PolicyConfig,
    call_early=st.sampled_from([timedelta(0), timedelta(minutes=5), timedelta(minutes=20)]),
    max_wait=st.sampled_from([timedelta(minutes=30), timedelta(minutes=90), timedelta(hours=2)]),
    priority_groups=st.sampled_from([(), ("priority",), ("eaeu", "priority")]),
    call_early_appointments=st.booleans(),
    overdue_before_appointments=st.booleans(),
)
WINDOWS = st.sampled_from(["1", "4"])  # window 4 is the "priority" corridor
EXAMPLES = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def clerk(sessions: sessionmaker[Session], network: None) -> int:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    with sessions() as session:
        staff_id: int = session.scalars(select(StaffUser.id)).one()
    return staff_id


def _lay_out(session: Session, clerk: int, window: str, line: list[dict[str, Any]]) -> None:
    """The window open for its services, and the line's tickets, in this transaction."""
    office = DIRECTORY.office(session, "bsk")
    plan = next(w for w in office.plan.windows if w.code == window)
    session.add(
        WindowSession(
            window_id=office.window_ids[window],
            office_id=office.id,
            staff_id=clerk,
            opened_at=NOW - timedelta(hours=5),
            services=sorted(plan.services),
        )
    )
    ids = {code: service_id for service_id, code in office.service_codes.items()}
    for number, ticket in enumerate(line, start=1):
        session.add(
            Ticket(
                office_id=office.id,
                service_id=ids[ticket["service"]],
                day=NOW.astimezone(office.zone).date(),
                prefix="T",
                number=number,
                kind="walk_in" if ticket["appointment_at"] is None else "appointment",
                group=ticket["group"],
                status="waiting",
                arrived_at=ticket["arrived_at"],
                appointment_at=ticket["appointment_at"],
                remote=ticket["remote"],
                checked_in_at=ticket["checked_in_at"],
                passed_over_at=ticket["passed_over_at"],
                calls=0,
                secret_hash="0" * 64,
                updated_at=NOW,
            )
        )
    session.flush()


def _expected(session: Session, window: str, config: PolicyConfig) -> tuple[int | None, bool]:
    """The policy's pick among the waiting tickets, and whether an absent one comes first."""
    office = DIRECTORY.office(session, "bsk")
    calling = tickets.calling_window(office, window, None)
    waiting = [
        WaitingTicket(
            t.id,
            office.service_codes[t.service_id],
            t.arrived_at,
            t.group,
            t.appointment_at,
            remote=t.remote,
            checked_in_at=t.checked_in_at,
            passed_over_at=t.passed_over_at,
        )
        for t in session.scalars(select(Ticket).where(Ticket.status == "waiting"))
    ]
    policy = Policy(config)
    line = policy.line(calling, waiting, NOW)
    first = next((t for t in line if not t.absent), None)
    if first is None:
        return None, False
    return first.id, any(t.absent for t in line[: line.index(first)])


@EXAMPLES
@given(line=LINES, window=WINDOWS)
def test_the_general_path_calls_the_policys_pick(
    sessions: sessionmaker[Session], clerk: int, line: list[dict[str, Any]], window: str
) -> None:
    with sessions() as session, session.begin():
        _lay_out(session, clerk, window, line)
        config = DIRECTORY.office(session, "bsk").queue_config
        expected, _ = _expected(session, window, config)

        called = tickets.call_next(
            session,
            directory=DIRECTORY,
            office_code="bsk",
            window_code=window,
            services=None,
            now=NOW,
        )

        assert (called.id if called else None) == expected
        session.rollback()


def _walk_in(group: str | None, minutes_ago: int) -> dict[str, Any]:
    return {
        "service": "quick",
        "group": group,
        "arrived_at": NOW - timedelta(minutes=minutes_ago),
        "appointment_at": None,
        "remote": False,
        "checked_in_at": None,
        "passed_over_at": None,
    }


def _phone(minutes_ago: int, checked_in_minutes_ago: int | None = None) -> dict[str, Any]:
    """A ticket taken from a phone, its holder absent or checked in."""
    checked_in = (
        None if checked_in_minutes_ago is None else NOW - timedelta(minutes=checked_in_minutes_ago)
    )
    return _walk_in(None, minutes_ago) | {"remote": True, "checked_in_at": checked_in}


HALF_HOUR_CAP = PolicyConfig(max_wait=timedelta(minutes=30))


@POSTGRESQL_ONLY
@EXAMPLES
@given(line=LINES, window=WINDOWS, config=CONFIGS)
# The groups in the order listed, not by arrival: a case random lines seldom reach.
@example(
    line=[_walk_in("priority", 10), _walk_in("eaeu", 5)],
    window="1",
    config=PolicyConfig(priority_groups=("eaeu", "priority")),
)
# A priority citizen behind more walk-ins than the heads read of them.
@example(
    line=[_walk_in(None, 30), _walk_in(None, 20), _walk_in(None, 15), _walk_in("priority", 5)],
    window="1",
    config=PolicyConfig(priority_groups=("priority",)),
)
# Each head class of tickets from phones, read in its own order, past two heads a class:
# the first past the cap by check-in, the oldest checked in, the oldest absent.
@example(
    line=[_phone(50, 5), _phone(45, 5), _phone(40, 35), _walk_in(None, 20)],
    window="1",
    config=HALF_HOUR_CAP,
)
@example(
    line=[_phone(50, 1), _phone(25, 20), _phone(24, 22), _walk_in(None, 5)],
    window="1",
    config=HALF_HOUR_CAP,
)
@example(
    line=[_phone(28), _phone(20), _phone(10), _walk_in(None, 27)],
    window="1",
    config=PolicyConfig(),
)
# The corridor's own group, though no priority group: its oldest are heads too.
@example(
    line=[_walk_in(None, 30), _walk_in(None, 20), _walk_in(None, 15), _walk_in("priority", 5)],
    window="4",
    config=PolicyConfig(priority_groups=()),
)
def test_the_statement_calls_the_policys_pick_or_leaves_an_absent_turn(
    sessions: sessionmaker[Session],
    clerk: int,
    line: list[dict[str, Any]],
    window: str,
    config: PolicyConfig,
) -> None:
    with sessions() as session, session.begin(), pytest.MonkeyPatch.context() as patch:
        _lay_out(session, clerk, window, line)
        office = dataclasses.replace(DIRECTORY.office(session, "bsk"), queue_config=config)
        expected, absent_first = _expected(session, window, config)
        # Two heads a class, against the policy over the whole line: the limits bind.
        patch.setattr(candidates, "PER_CLASS", 2)

        outcome = call_in_one_statement(
            session,
            office=office,
            window=tickets.calling_window(office, window, None),
            staff_id=clerk,
            now=NOW,
            actor="aibek",
            notify=True,
        )

        assert outcome.window_open
        if absent_first:
            assert outcome.left is Leave.absent_ahead and outcome.ticket is None
        else:
            assert outcome.left is None
            assert (outcome.ticket.id if outcome.ticket else None) == expected
        session.rollback()


@POSTGRESQL_ONLY
def test_the_statement_leaves_a_busy_window_and_refuses_a_closed_one(
    sessions: sessionmaker[Session], clerk: int
) -> None:
    walk_in = _walk_in(None, 5)
    with sessions() as session, session.begin():
        office = DIRECTORY.office(session, "bsk")
        window = tickets.calling_window(office, "1", None)
        call = partial(
            call_in_one_statement,
            session,
            office=office,
            window=window,
            staff_id=clerk,
            now=NOW,
            actor="aibek",
            notify=True,
        )
        closed = call()
        _lay_out(session, clerk, "1", [walk_in, walk_in])
        first, second = call(), call()
        session.rollback()

    assert not closed.window_open and closed.ticket is None
    assert first.ticket is not None and first.ticket.status == "called" and first.left is None
    assert first.ticket.code == "T-001" and first.ticket.calls == 1
    assert second.left is Leave.window_busy and second.ticket is None


@POSTGRESQL_ONLY
def test_a_call_locks_only_the_ticket_it_calls(sessions: sessionmaker[Session], clerk: int) -> None:
    """Two windows calling at once each get a ticket: the pick locks its row as it reads
    the line, not the line it reads (which would leave the other window nobody)."""
    make_staff(sessions, "bolot", Role.clerk, ["bsk"])
    with sessions() as session, session.begin():
        other = session.scalars(select(StaffUser.id).where(StaffUser.username == "bolot")).one()
        _lay_out(session, clerk, "1", [_walk_in(None, minutes) for minutes in (30, 20, 10)])
        _lay_out(session, other, "4", [])
    with sessions() as first, sessions() as second:
        office = DIRECTORY.office(first, "bsk")

        def call(session: Session, window: str, staff_id: int) -> Ticket | None:
            return call_in_one_statement(
                session,
                office=office,
                window=tickets.calling_window(office, window, None),
                staff_id=staff_id,
                now=NOW,
                actor=None,
                notify=True,
            ).ticket

        at_one = call(first, "1", clerk)  # its transaction still open
        at_four = call(second, "4", other)
        first.rollback()
        second.rollback()

    assert at_one is not None and at_four is not None
    assert (at_one.code, at_four.code) == ("T-001", "T-002")
