"""Running a round's draw: places given once, reserves honoured, every winner booked and
told, the others told their waitlist number, and the published file checks out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.allocation.publication import verify
from kezek.booking.models import Booking, BookingStatus
from kezek.config import Settings
from kezek.errors import Conflict
from kezek.notify.models import OutboxMessage
from kezek.rounds import service
from kezek.rounds.models import DrawApplication, Standing
from tests.integration.rounds.helpers import (
    PLACES_A_DAY,
    client_of,
    load_round,
    proof,
    request,
    round_toml,
    sms_on,
    timeline,
)


def test_a_draw_books_the_winners_and_lists_the_rest(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    t = timeline(days=2)
    load_round(sessions, t, round_toml(t, urgent_share=34))
    context = sms_on(settings)
    urgent = t.first + timedelta(days=1)
    for number in range(1, 21):
        stay = urgent if number <= 4 else None
        service.apply(
            context,
            code="spring",
            request=request(number, [t.day(0), t.day(1)], stay_until=stay),
            phone_proof=proof(context, number),
            client=client_of(number),
            now=t.now,
        )
    with pytest.raises(Conflict, match="draws at"):
        service.draw(context, code="spring", now=t.draws - timedelta(seconds=1))
    drawn = service.draw(context, code="spring", now=t.draws)
    assert (drawn.applications, drawn.places) == (20, 2 * PLACES_A_DAY)
    assert drawn.won == drawn.booked == 2 * PLACES_A_DAY
    assert drawn.waitlist == 20 - 2 * PLACES_A_DAY
    with sessions() as session:
        bookings = session.scalars(select(Booking)).all()
        applications = session.scalars(select(DrawApplication)).all()
        texts = session.scalars(select(OutboxMessage.kind)).all()
    assert len(bookings) == 2 * PLACES_A_DAY
    assert all(b.round_code == "spring" and b.moves_left == 1 for b in bookings)
    assert all(b.status == BookingStatus.confirmed for b in bookings)
    assert len({(b.starts_at, b.pool) for b in bookings}) == len(bookings)
    offered = [a for a in applications if a.standing == Standing.offered]
    assert len(offered) == 2 * PLACES_A_DAY
    # One place a day in three is reserved for the urgent (34% of 3, rounded down: 1).
    assert sum(1 for a in offered if a.legal_stay_until == urgent) >= 2
    assert sorted(a.position for a in applications) == list(range(1, 21))
    assert texts.count("draw_offered") == 2 * PLACES_A_DAY
    assert texts.count("draw_waiting") == 20 - 2 * PLACES_A_DAY
    published = service.published(context, code="spring")
    view = service.one_round(context, "spring", now=t.draws)
    checked = verify(
        published,
        commitment=view.commitment,
        places_sha256=view.places_sha256,
        applications_sha256=view.applications_sha256,
    )
    assert checked == []
    assert view.seed is not None and view.won.get("urgent") == 2
    with pytest.raises(Conflict, match="was drawn"):
        service.draw(context, code="spring", now=t.draws)
