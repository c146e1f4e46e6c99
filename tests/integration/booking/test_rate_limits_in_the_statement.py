"""A booking's rate limits, counted inside its own statement on PostgreSQL.

The per-address and per-document hits go into the one-cell booking statement: one round
trip for both, and past a limit nothing is booked. These tests hold that path to what
the limits promise everywhere (``test_rate_limits.py``), where requests race and where
the statement never runs or is undone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.booking import service
from kezek.booking.models import Booking, BookingStatus
from kezek.config import Settings
from kezek.context import AppContext
from kezek.errors import Problem
from kezek.ratelimit import RATE_COUNT, DatabaseCounter
from tests.conftest import BOTH_BOOKING_PATHS, POSTGRESQL_ONLY
from tests.factories import start_at
from tests.integration.booking.invariants import assert_cells_match_bookings
from tests.integration.booking.racing import race, rush_request

ADDRESS = "203.0.113.7"


def _context(settings: Settings, *, per_address: int, per_document: int) -> Iterator[AppContext]:
    tight = settings.model_copy(
        update={
            "limit_bookings_per_address_hour": per_address,
            "limit_bookings_per_document_day": per_document,
        }
    )
    app = create_app(tight)
    yield app.state.context
    app.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def context(settings: Settings, network: None) -> Iterator[AppContext]:
    yield from _context(settings, per_address=5, per_document=1)


@pytest.fixture
def per_address_only(settings: Settings, network: None) -> Iterator[AppContext]:
    yield from _context(settings, per_address=3, per_document=0)


def _book(context: AppContext, n: int, **changes: Any) -> object:
    # Each request a time of its own: no slot is full, whatever the limits let through.
    own_time = start_at("big", hour=9 + n % 10, minute=30 * (n // 10 % 2))
    request = replace(rush_request(n, start=own_time), phone=f"+996555{n:06d}", **changes)
    return service.create(context, request=request, client=ADDRESS)


def _confirmed(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        found = select(func.count()).where(Booking.status == BookingStatus.confirmed)
        return int(session.scalar(found) or 0)


def _hits(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return sorted(session.scalars(select(RATE_COUNT.c.hits)), reverse=True)


@BOTH_BOOKING_PATHS
def test_racing_bookings_from_one_address_get_exactly_its_limit(context: AppContext) -> None:
    outcomes = race(16, lambda n: _book(context, n + 1))

    refusals = Counter(o.code for o in outcomes if isinstance(o, Problem))
    assert refusals == {"too_many_requests": 11}
    assert _confirmed(context.sessions) == 5
    # The address counted every attempt; only the five documents that booked kept theirs.
    assert _hits(context.sessions) == [16, 1, 1, 1, 1, 1] + [0] * 11
    assert_cells_match_bookings(context.sessions)


@POSTGRESQL_ONLY
def test_the_booking_statement_counts_the_hits_itself(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_second_round_trip(*_: object) -> list[int]:
        raise AssertionError("the hits were counted apart from the booking")

    monkeypatch.setattr(DatabaseCounter, "hit_all", no_second_round_trip)

    _book(context, 1)

    assert _confirmed(context.sessions) == 1
    assert _hits(context.sessions) == [1, 1]  # the address's and the document's


@BOTH_BOOKING_PATHS
def test_a_booking_undone_by_a_constraint_still_counts_against_the_address(
    per_address_only: AppContext,
) -> None:
    # One document, one service: on PostgreSQL's one statement, a second booking breaks
    # "one active booking", which undoes the whole statement, its counts with it. The
    # address counts it all the same, as on the general path, which refuses it earlier.
    answers = []
    for hour in (9, 10, 11, 12, 13):
        start = rush_request(1).starts_at.replace(hour=hour)
        try:
            _book(per_address_only, 1, starts_at=start)
            answers.append(201)
        except Problem as refused:
            answers.append(refused.status)

    assert answers == [201, 409, 409, 429, 429]
    assert _confirmed(per_address_only.sessions) == 1
