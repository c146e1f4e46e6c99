"""A round's days are not booked first come, first served: refused, and not offered; a
booking from the draw may move once, to its round's days or to days open to all."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import service as booking_service
from kezek.booking.identity import document_hash
from kezek.booking.models import Booking
from kezek.config import Settings
from kezek.errors import Conflict
from kezek.rounds import service
from tests.factories import ZONES, booking_body, document
from tests.integration.rounds.helpers import (
    client_of,
    load_round,
    proof,
    request,
    sms_on,
    timeline,
)


def test_first_come_first_served_stays_off_the_rounds_days(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    t = timeline(days=1)
    load_round(sessions, t)
    zone = ZONES["tiny"]
    drawn = datetime.combine(t.day(0), time(9, 0), tzinfo=zone)
    refused = client.post(
        "/api/v1/bookings",
        json=booking_body(office="tiny", service="long", start=drawn.isoformat()),
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "day_goes_by_draw"
    assert "/rounds/spring" in refused.json()["detail"]
    # The other service of the office, and the next day, are booked as before.
    other = client.post(
        "/api/v1/bookings",
        json=booking_body(office="tiny", service="quick", start=drawn.isoformat()),
    )
    assert other.status_code == 201, other.text
    free = client.get(
        "/api/v1/offices/tiny/availability",
        params={"service": "long", "from": t.day(0).isoformat(), "to": t.day(1).isoformat()},
    ).json()["slots"]
    assert free and all(s["start"][:10] == t.day(1).isoformat() for s in free)


def test_a_place_from_the_draw_moves_once(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    t = timeline(days=2)
    load_round(sessions, t)
    context = sms_on(settings)
    service.apply(
        context,
        code="spring",
        request=request(1, [t.day(0)]),
        phone_proof=proof(context, 1),
        client=client_of(1),
        now=t.now,
    )
    service.draw(context, code="spring", now=t.draws)
    with sessions() as session:
        booking = session.scalars(select(Booking)).one()
    holder = document_hash(document(1), secret=context.secret)
    zone = ZONES["tiny"]
    in_the_round = datetime.combine(t.day(1), time(9, 40), tzinfo=zone)
    moved = booking_service.move(
        context, reference=booking.reference, proof=holder, starts_at=in_the_round
    )
    assert moved.starts_at == in_the_round and moved.moves_left == 0
    after_the_round = datetime.combine(t.day(2), time(9, 0), tzinfo=zone)
    with pytest.raises(Conflict, match="moved once"):
        booking_service.move(
            context, reference=booking.reference, proof=holder, starts_at=after_the_round
        )
