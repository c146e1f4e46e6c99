"""Calling the next ticket while tickets taken from phones wait: not called before their
holders check in, passed over once in their absence keeping their place, then no-shows."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue import candidates, remote
from kezek.queue.models import QueueEvent, Ticket
from kezek.queue.remote import RemoteCheckInRefused
from tests.conftest import TEST_SECRET
from tests.integration.queue.helpers import DIRECTORY, at, call, walk_in


def take(sessions: sessionmaker[Session], phone: str, *, now: datetime) -> Ticket:
    work = partial(
        remote.issue_remote,
        directory=DIRECTORY,
        office_code="bsk",
        service_code="quick",
        phone=phone,
        language="ru",
        secret=TEST_SECRET.encode(),
        now=now,
    )
    return run_transaction(sessions, work).issued.ticket


def check_in(sessions: sessionmaker[Session], ticket: Ticket, *, now: datetime) -> Ticket:
    def work(session: Session) -> Ticket:
        office = DIRECTORY.office(session, "bsk")
        return remote.check_in_at_kiosk(
            session,
            office=office,
            code=ticket.code,
            phone_last4=(ticket.phone or "")[-4:],
            ticket_secret=None,
            now=now,
            actor="kiosk",
        )

    return run_transaction(sessions, work)


def now_of(sessions: sessionmaker[Session], ticket: Ticket) -> Ticket:
    with sessions() as session:
        return session.get_one(Ticket, ticket.id)


def next_at(sessions: sessionmaker[Session], now: datetime) -> Ticket | None:
    """The clerk at window 1 calls the next citizen; the one called before came."""
    return call(sessions, window="1", now=now, settle="no_show")


def test_an_absent_ticket_is_passed_over_once_and_keeps_its_place(
    sessions: sessionmaker[Session], remote_office: None
) -> None:
    away = take(sessions, "+996555000101", now=at(7))
    door = walk_in(sessions, now=at(9))
    later = walk_in(sessions, now=at(9, 1))

    first = next_at(sessions, at(9, 5))
    passed = now_of(sessions, away)
    check_in(sessions, away, now=at(9, 8))
    second = next_at(sessions, at(9, 10))

    assert first is not None and first.id == door.id
    assert passed.status == "waiting" and passed.passed_over_at == at(9, 5)
    # Checked in, it is first again: before the walk-in who came before it did.
    assert second is not None and second.id == away.id
    assert now_of(sessions, later).status == "waiting"
    with sessions() as session:
        kinds = session.scalars(
            select(QueueEvent.kind).where(QueueEvent.ticket_id == away.id).order_by(QueueEvent.id)
        )
        assert list(kinds) == ["issued", "passed_over", "checked_in", "called"]


def test_absent_at_its_next_turn_after_the_grace_it_is_a_no_show(
    sessions: sessionmaker[Session], remote_office: None
) -> None:
    away = take(sessions, "+996555000101", now=at(7))
    for minute in range(3):
        walk_in(sessions, now=at(9, minute))

    next_at(sessions, at(9, 5))  # passed over
    next_at(sessions, at(9, 19))  # its turn again, within the 15 minutes' grace
    within = now_of(sessions, away)
    next_at(sessions, at(9, 20))  # and again, the grace over
    gone = now_of(sessions, away)

    assert within.status == "waiting" and within.passed_over_at == at(9, 5)
    assert gone.status == "no_show" and gone.ended_at == at(9, 20) and gone.calls == 0
    with pytest.raises(RemoteCheckInRefused) as refused:
        check_in(sessions, away, now=at(9, 25))
    assert refused.value.extra["reason"] == "missed"


def test_each_call_passes_over_one_absent_ticket_more(
    sessions: sessionmaker[Session], remote_office: None
) -> None:
    away = [take(sessions, f"+99655500010{n}", now=at(7, n)) for n in range(3)]
    for minute in range(3):
        walk_in(sessions, now=at(9, minute))

    next_at(sessions, at(9, 5))
    after_one = [now_of(sessions, t).passed_over_at for t in away]
    next_at(sessions, at(9, 6))
    after_two = [now_of(sessions, t).passed_over_at for t in away]

    assert after_one == [at(9, 5), None, None]
    assert after_two == [at(9, 5), at(9, 6), None]


def test_nobody_is_passed_over_when_nobody_else_is_called(
    sessions: sessionmaker[Session], remote_office: None
) -> None:
    away = take(sessions, "+996555000101", now=at(7))

    assert next_at(sessions, at(9)) is None
    assert next_at(sessions, at(9, 30)) is None
    assert now_of(sessions, away).passed_over_at is None


def test_a_crowd_of_absent_tickets_hides_nobody_at_the_door(
    sessions: sessionmaker[Session], remote_office: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(candidates, "PER_CLASS", 2)  # fewer read than are absent
    for n in range(5):
        take(sessions, f"+99655500010{n}", now=at(7, n))
    door = walk_in(sessions, now=at(9))

    called = next_at(sessions, at(9, 5))

    assert called is not None and called.id == door.id


def test_a_checked_in_tickets_wait_counts_from_its_check_in(
    sessions: sessionmaker[Session], remote_office: None
) -> None:
    # Taken at 7:00, in at 10:30: at 11:10 it has waited 40 minutes, not the two hours
    # past which it would go before a priority citizen.
    away = take(sessions, "+996555000101", now=at(7))
    check_in(sessions, away, now=at(10, 30))
    priority = walk_in(sessions, now=at(11), group="priority")

    called = next_at(sessions, at(11, 10))

    assert called is not None and called.id == priority.id
