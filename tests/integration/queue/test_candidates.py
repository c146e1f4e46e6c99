"""Reading only the heads of the line gives the same call as reading all of it."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue import candidates
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.policy import CallingWindow, WaitingTicket, policy_for
from tests.integration.queue.helpers import DIRECTORY, at, call, walk_in
from tests.integration.queue.test_remote_call_next import check_in, take

WINDOW_SERVICES = {"1": {"quick", "long"}, "3": {"other"}, "4": {"quick", "long", "other"}}


def _whole_line(sessions: sessionmaker[Session]) -> list[WaitingTicket]:
    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        codes = {service.id: service.code for service in office.services}
        rows = session.scalars(select(Ticket).where(Ticket.status == TicketStatus.waiting))
        return [
            WaitingTicket(
                t.id,
                codes[t.service_id],
                t.arrived_at,
                t.group,
                t.appointment_at,
                remote=t.remote,
                checked_in_at=t.checked_in_at,
                passed_over_at=t.passed_over_at,
            )
            for t in rows
        ]


def test_every_call_matches_the_policy_over_the_whole_line(
    sessions: sessionmaker[Session], remote_office: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(candidates, "PER_CLASS", 2)
    rng = random.Random(7)
    for minute in range(0, 240, 4):  # four hours: the first arrivals are past the cap
        walk_in(
            sessions,
            now=at(8 + minute // 60, minute % 60),
            service=rng.choice(["quick", "quick", "long", "other"]),
            group=rng.choice([None, None, None, "priority", "eaeu"]),
        )
    # Tickets from phones taken before opening: some of their holders come, late or not.
    for n in range(8):
        ticket = take(sessions, f"+9965550001{n:02d}", now=at(7, n))
        if n % 3 == 0:
            check_in(sessions, ticket, now=at(11, 5 * n))
    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        plans = {w.code: w for w in office.plan.windows}

    for turn in range(90):
        window = rng.choice(sorted(WINDOW_SERVICES))
        now = at(12 + turn // 60, turn % 60)  # the two-hour cap has passed for the first
        walk_in(sessions, now=now)  # the line never runs dry: absent tickets meet turns
        calling = CallingWindow(window, plans[window].services, plans[window].group)
        policy = policy_for(office.queue_config)
        whole = _whole_line(sessions)
        expected = policy.next_ticket(calling, whole, now)
        passing = policy.passing(policy.line(calling, whole, now), expected, now)

        # The citizen the window called last turn did not come: the window is free again.
        called = call(sessions, window=window, now=now, settle="no_show")

        assert (called.id if called else None) == (expected.id if expected else None), turn
        with sessions() as session:
            if passing.passed_over is not None:
                passed = session.get_one(Ticket, passing.passed_over.id)
                assert passed.passed_over_at == now, turn
            for gone in passing.no_shows:
                assert session.get_one(Ticket, gone.id).status == "no_show", turn
    with sessions() as session:
        passed_over = session.scalars(select(Ticket).where(Ticket.passed_over_at.is_not(None)))
        assert {t.status for t in passed_over} >= {"no_show"}  # the day had both
