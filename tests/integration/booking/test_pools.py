"""A service that two window pools serve: bookings fill one pool, then the other."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from tests.factories import booking_body, document, local_day, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings


def _quick(n: int) -> dict[str, object]:
    return booking_body(office="mix", start=start_at("mix"), document_number=document(n))


def test_both_pools_are_booked_before_the_time_is_full(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    statuses = [client.post("/api/v1/bookings", json=_quick(n)).status_code for n in range(3)]

    assert statuses == [201, 201, 409]
    with sessions() as session:
        pools = sorted(session.scalars(select(Booking.pool)))
    assert pools == ["other,quick", "quick"]
    assert_cells_match_bookings(sessions)


def test_availability_adds_up_the_pools(client: TestClient) -> None:
    day = local_day("mix").isoformat()
    slots = client.get(
        "/api/v1/offices/mix/availability", params={"service": "quick", "from": day, "to": day}
    ).json()["slots"]

    assert {slot["capacity"] for slot in slots} == {2}


def test_a_cancel_frees_the_pool_it_held(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first = client.post("/api/v1/bookings", json=_quick(0)).json()["reference"]
    client.post("/api/v1/bookings", json=_quick(1))
    client.post(f"/api/v1/bookings/{first}/cancel", headers={"X-Document-Number": document(0)})

    assert client.post("/api/v1/bookings", json=_quick(2)).status_code == 201
    assert_cells_match_bookings(sessions)
