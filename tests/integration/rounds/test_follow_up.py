"""After the draw: a place not confirmed in time goes to the waitlist in the draw's order,
and so does a place given up; a confirmed place stays; a lapse is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import service as booking_service
from kezek.booking.identity import document_hash
from kezek.booking.models import Booking, BookingStatus
from kezek.config import Settings
from kezek.notify.models import OutboxMessage
from kezek.rounds import service
from kezek.rounds.models import DrawApplication, Standing
from kezek.rounds.offers import ConfirmTooLate
from tests.factories import document
from tests.integration.rounds.helpers import (
    PLACES_A_DAY,
    client_of,
    load_round,
    proof,
    request,
    sms_on,
    timeline,
)


def _standings(sessions: sessionmaker[Session]) -> dict[int, tuple[str, int | None]]:
    """By applicant number (the document's digits): standing and booking."""
    with sessions() as session:
        rows = session.scalars(select(DrawApplication)).all()
    return {int(a.document_tail): (a.standing, a.booking_id) for a in rows}


def test_unconfirmed_and_given_up_places_go_down_the_waitlist(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    t = timeline(days=1)
    load_round(sessions, t)
    context = sms_on(settings)
    for number in range(1, 9):
        service.apply(
            context,
            code="spring",
            request=request(number, [t.day(0)]),
            phone_proof=proof(context, number),
            client=client_of(number),
            now=t.now,
        )
    service.draw(context, code="spring", now=t.draws)
    with sessions() as session:
        order = session.scalars(select(DrawApplication).order_by(DrawApplication.position)).all()
        won = [a for a in order if a.standing == Standing.offered]
        waiting = [a for a in order if a.standing == Standing.waiting]
        references = {
            a.id: session.scalar(select(Booking.reference).where(Booking.id == a.booking_id))
            for a in won
        }
    assert len(won) == PLACES_A_DAY and len(waiting) == 8 - PLACES_A_DAY
    keeps, lapses, gives_up = won
    secret = context.secret
    service.confirm_place(
        context,
        reference=references[keeps.id],
        proof=document_hash(document(int(keeps.document_tail)), secret=secret),
    )
    booking_service.cancel(
        context,
        reference=references[gives_up.id],
        proof=document_hash(document(int(gives_up.document_tail)), secret=secret),
    )
    # Before the deadline: the given-up place goes to the first waiting; nothing lapses.
    before = service.follow_up_all(context, now=t.draws + timedelta(hours=1))
    assert (before["spring"].lapsed, before["spring"].cancelled, before["spring"].offered) == (
        0,
        1,
        1,
    )
    after = service.follow_up_all(context, now=t.draws + timedelta(hours=49))
    assert (after["spring"].lapsed, after["spring"].offered) == (2, 2)
    standings = _standings(sessions)
    first, second, third = (int(a.document_tail) for a in waiting[:3])
    assert standings[int(keeps.document_tail)][0] == Standing.confirmed
    assert standings[int(lapses.document_tail)][0] == Standing.lapsed
    assert standings[int(gives_up.document_tail)][0] == Standing.cancelled
    # The first waiting took the given-up place and, not confirming, lapsed too; the next
    # two took the two lapsed places, in the draw's order.
    assert standings[first][0] == Standing.lapsed
    assert standings[second][0] == standings[third][0] == Standing.offered
    assert all(standings[int(a.document_tail)][0] == Standing.waiting for a in waiting[3:])
    with sessions() as session:
        live = session.scalar(select(Booking).where(Booking.id == standings[second][1]))
        lapsed_booking = session.get(Booking, standings[int(lapses.document_tail)][1])
        told = session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.kind == "draw_lapsed")
        ).all()
    assert live is not None and live.status == BookingStatus.confirmed and live.round_code
    assert lapsed_booking is not None and lapsed_booking.status == BookingStatus.cancelled
    assert len(told) == 2
    with pytest.raises(ConfirmTooLate):
        service.confirm_place(
            context,
            reference=references[lapses.id],
            proof=document_hash(document(int(lapses.document_tail)), secret=secret),
        )
