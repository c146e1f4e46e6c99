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

WINDOW_SERVICES = {"1": {"quick", "long"}, "3": {"other"}, "4": {"quick", "long", "other"}}


def _whole_line(sessions: sessionmaker[Session]) -> list[WaitingTicket]:
    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        codes = {service.id: service.code for service in office.services}
        rows = session.scalars(select(Ticket).where(Ticket.status == TicketStatus.waiting))
        return [
            WaitingTicket(t.id, codes[t.service_id], t.arrived_at, t.group, t.appointment_at)
            for t in rows
        ]


def test_every_call_matches_the_policy_over_the_whole_line(
    sessions: sessionmaker[Session], network: None, monkeypatch: pytest.MonkeyPatch
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
    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        plans = {w.code: w for w in office.plan.windows}

    for turn in range(40):
        window = rng.choice(sorted(WINDOW_SERVICES))
        now = at(12, turn)  # the two-hour cap has passed for the first
        calling = CallingWindow(window, plans[window].services, plans[window].group)
        expected = policy_for(office.queue_config).next_ticket(calling, _whole_line(sessions), now)

        # The citizen the window called last turn did not come: the window is free again.
        called = call(sessions, window=window, now=now, settle="no_show")

        assert (called.id if called else None) == (expected.id if expected else None), turn
