"""Many clients at the same instant: the database decides, and never oversells."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.create import book
from kezek.booking.identity import document_hash
from kezek.booking.manage import cancel_booking, reschedule_booking
from kezek.booking.models import Booking, BookingStatus
from kezek.booking.rules import BookingRules
from kezek.config import Settings
from kezek.db import run_transaction
from kezek.errors import Problem
from kezek.network.directory import Directory
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import document, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings
from tests.integration.booking.racing import race, rules_for, rush_request

CLIENTS = 32
DIRECTORY = Directory()


@pytest.fixture
def rules(settings: Settings) -> BookingRules:
    return rules_for(settings)


@BOTH_BOOKING_PATHS
def test_exactly_capacity_clients_get_the_slot(
    sessions: sessionmaker[Session], network: None, secret: bytes, rules: BookingRules
) -> None:
    outcomes = race(
        CLIENTS,
        lambda i: (
            book(
                sessions, directory=DIRECTORY, request=rush_request(i), rules=rules, secret=secret
            ).booking.reference
        ),
    )

    refusals = Counter(o.code for o in outcomes if isinstance(o, Problem))
    assert len(outcomes) - refusals.total() == 5
    assert refusals == {"slot_full": CLIENTS - 5}
    assert_cells_match_bookings(sessions)


@BOTH_BOOKING_PATHS
def test_one_citizen_racing_for_many_times_gets_one_booking(
    sessions: sessionmaker[Session], network: None, secret: bytes, rules: BookingRules
) -> None:
    def attempt(i: int) -> str:
        start = start_at("big", hour=8 + i // 6, minute=(i % 6) * 10)
        request = rush_request(7, start=start)
        booked = book(sessions, directory=DIRECTORY, request=request, rules=rules, secret=secret)
        return booked.booking.reference

    outcomes = race(CLIENTS, attempt)

    refusals = Counter(o.code for o in outcomes if isinstance(o, Problem))
    assert refusals == {"already_booked": CLIENTS - 1}
    assert_cells_match_bookings(sessions)


@BOTH_BOOKING_PATHS
def test_the_same_idempotency_key_at_once_makes_one_booking(
    sessions: sessionmaker[Session], network: None, secret: bytes, rules: BookingRules
) -> None:
    outcomes = race(
        CLIENTS,
        lambda _: (
            book(
                sessions,
                directory=DIRECTORY,
                request=rush_request(1),
                rules=rules,
                secret=secret,
                idempotency_key="same-key",
            ).booking.reference
        ),
    )

    assert len(set(outcomes)) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


# Moves and cancels take no booking path: this race runs once per database.
def test_reschedule_racing_cancel_leaves_consistent_counts(
    sessions: sessionmaker[Session], network: None, secret: bytes, rules: BookingRules
) -> None:
    references = [
        book(
            sessions,
            directory=DIRECTORY,
            request=rush_request(n, start=start_at("big", hour=9, minute=10 * (n % 6))),
            rules=rules,
            secret=secret,
        ).booking.reference
        for n in range(16)
    ]

    def attempt(i: int) -> str:
        who = {
            "directory": DIRECTORY,
            "reference": references[i // 2],
            "proof": document_hash(document(i // 2), secret=secret),
        }
        if i % 2:
            # Spread over the afternoon's six slots, at most three moves to one: a slot holds
            # five, so a move is never refused for a full slot, only for a cancel before it.
            later = start_at("big", hour=15, minute=10 * ((i // 2) % 6))
            moved_to = datetime.fromisoformat(later)
            work = partial(reschedule_booking, starts_at=moved_to, rules=rules, **who)
        else:
            work = partial(cancel_booking, notify=rules.notify, **who)
        return run_transaction(sessions, work).status

    outcomes = [o.code if isinstance(o, Problem) else o for o in race(2 * len(references), attempt)]

    # Every cancel wins, before or after the move; a move after the cancel is refused.
    assert outcomes[0::2] == ["cancelled"] * len(references)
    assert set(outcomes[1::2]) <= {"confirmed", "booking_not_active"}
    with sessions() as session:
        statuses = session.scalars(select(Booking.status)).all()
    assert set(statuses) == {BookingStatus.cancelled}
    assert_cells_match_bookings(sessions)
