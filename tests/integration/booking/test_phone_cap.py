"""One phone number holds only so many active bookings, however fast the requests come."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.booking.create import book
from kezek.booking.models import Booking, BookingStatus
from kezek.config import Settings
from kezek.errors import Problem
from kezek.network.directory import Directory
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings
from tests.integration.booking.racing import race, rules_for, rush_request

# The one-statement path counts the phone's bookings in its SQL, the general one in Python.
pytestmark = BOTH_BOOKING_PATHS

SHARED = "+996 700 111 222"
CAP = 2


@pytest.fixture
def capped(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"limit_bookings_per_phone": CAP}))
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def _book(client: TestClient, n: int, **overrides: str) -> dict[str, object]:
    body = booking_body(
        document_number=document(n), phone=SHARED, start=start_at(hour=9 + n), **overrides
    )
    response = client.post("/api/v1/bookings", json=body)
    return {**response.json(), "http": response.status_code}


def test_the_booking_past_the_cap_is_refused_and_names_the_phone(capped: TestClient) -> None:
    first, second, third = (_book(capped, n) for n in (1, 2, 3))

    assert first["http"] == second["http"] == 201
    assert third["http"] == 409
    assert third["code"] == "phone_booking_limit"
    assert third["errors"] == [{"field": "phone", "message": third["detail"]}]
    assert "at most 2" in str(third["detail"])


def test_a_booking_of_several_cells_counts_the_same(capped: TestClient) -> None:
    for n in (1, 2):
        assert _book(capped, n)["http"] == 201

    assert _book(capped, 3, service="long")["code"] == "phone_booking_limit"


def test_cancelling_one_frees_a_place_for_the_phone(capped: TestClient) -> None:
    first = _book(capped, 1)
    _book(capped, 2)

    capped.post(
        f"/api/v1/bookings/{first['reference']}/cancel",
        headers={"X-Document-Number": document(1)},
    )

    assert _book(capped, 3)["http"] == 201


def test_bookings_whose_time_has_passed_do_not_count(
    capped: TestClient, sessions: sessionmaker[Session]
) -> None:
    _book(capped, 1)
    _book(capped, 2)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with sessions.begin() as session:
        session.execute(
            update(Booking).values(starts_at=yesterday, ends_at=yesterday + timedelta(minutes=10))
        )

    assert _book(capped, 3)["http"] == 201


def test_a_retry_at_the_cap_still_returns_the_original(capped: TestClient) -> None:
    body = booking_body(document_number=document(2), phone=SHARED, start=start_at(hour=11))
    _book(capped, 1)
    first = capped.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": "cap-1"})

    retry = capped.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": "cap-1"})

    assert retry.status_code == 201
    assert retry.json()["reference"] == first.json()["reference"]


def test_a_citizen_moving_to_a_full_phone_brings_their_bookings(capped: TestClient) -> None:
    own = booking_body(document_number=document(1), start=start_at(hour=9))
    assert capped.post("/api/v1/bookings", json=own).status_code == 201
    assert _book(capped, 2)["http"] == 201

    # Document 1 would change its number to the shared one: with its first booking, the
    # shared phone would hold three.
    second = booking_body(
        document_number=document(1), phone=SHARED, service="other", start=start_at(hour=15)
    )
    response = capped.post("/api/v1/bookings", json=second)

    assert response.json()["code"] == "phone_booking_limit"


def test_a_cap_of_zero_means_no_cap(settings: Settings, engine: Engine, network: None) -> None:
    app = create_app(settings.model_copy(update={"limit_bookings_per_phone": 0}))
    with TestClient(app) as client:
        statuses = [_book(client, n)["http"] for n in range(1, 7)]
    app.state.context.sessions.kw["bind"].dispose()

    assert statuses == [201] * 6


def test_racing_bookings_on_one_phone_get_exactly_the_cap(
    settings: Settings, sessions: sessionmaker[Session], network: None, secret: bytes
) -> None:
    # Twelve documents, one phone, one slot of five places: the cap, not the slot, decides.
    rules = rules_for(settings, bookings_per_phone=3)
    directory = Directory()
    outcomes = race(
        12,
        lambda i: book(
            sessions, directory=directory, request=rush_request(i), rules=rules, secret=secret
        ),
    )

    refusals = Counter(o.code for o in outcomes if isinstance(o, Problem))
    assert refusals == {"phone_booking_limit": 9}
    with sessions() as session:
        confirmed = select(func.count()).where(Booking.status == BookingStatus.confirmed)
        assert session.scalar(confirmed) == 3
    assert_cells_match_bookings(sessions)
