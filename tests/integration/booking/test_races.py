"""Many clients at the same instant: the database decides, and never oversells."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import service as bookings
from kezek.booking.models import Booking, BookingStatus
from kezek.db import run_transaction
from kezek.problems import Problem
from tests.factories import document, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings

CLIENTS = 32
RULES = bookings.BookingRules(horizon_days=60, min_notice=timedelta(minutes=60), max_range_days=31)
T = TypeVar("T")


def _race(count: int, attempt: Callable[[int], T]) -> list[T | str]:
    """Run ``attempt(i)`` for every i at the same instant; a Problem becomes its code."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T | str:
        barrier.wait()
        try:
            return attempt(i)
        except Problem as problem:
            return problem.code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _request(n: int, *, office: str = "big", start: str | None = None) -> bookings.BookingRequest:
    return bookings.BookingRequest(
        office=office,
        service="quick",
        starts_at=datetime.fromisoformat(start or start_at(office)),
        document_number=document(n),
        full_name="Асанов Айбек",
        phone="+996555123456",
        language="ky",
    )


def test_exactly_capacity_clients_get_the_slot(
    sessions: sessionmaker[Session], network: None, secret: bytes
) -> None:
    outcomes = _race(
        CLIENTS,
        lambda i: (
            bookings.book(sessions, request=_request(i), rules=RULES, secret=secret).booking.id
        ),
    )

    refusals = Counter(outcome for outcome in outcomes if isinstance(outcome, str))
    assert len(outcomes) - sum(refusals.values()) == 5
    assert refusals == {"slot_full": CLIENTS - 5}
    assert_cells_match_bookings(sessions)


def test_one_citizen_racing_for_many_times_gets_one_booking(
    sessions: sessionmaker[Session], network: None, secret: bytes
) -> None:
    def attempt(i: int) -> int:
        start = start_at("big", hour=8 + i // 6, minute=(i % 6) * 10)
        request = _request(7, start=start)
        return bookings.book(sessions, request=request, rules=RULES, secret=secret).booking.id

    outcomes = _race(CLIENTS, attempt)

    assert Counter(type(o).__name__ for o in outcomes) == {"int": 1, "str": CLIENTS - 1}
    assert {o for o in outcomes if isinstance(o, str)} == {"already_booked"}
    assert_cells_match_bookings(sessions)


def test_the_same_idempotency_key_at_once_makes_one_booking(
    sessions: sessionmaker[Session], network: None, secret: bytes
) -> None:
    outcomes = _race(
        CLIENTS,
        lambda _: (
            bookings.book(
                sessions,
                request=_request(1),
                rules=RULES,
                secret=secret,
                idempotency_key="same-key",
            ).booking.reference
        ),
    )

    assert len(set(outcomes)) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_reschedule_racing_cancel_leaves_consistent_counts(
    sessions: sessionmaker[Session], network: None, secret: bytes
) -> None:
    references = [
        bookings.book(
            sessions,
            request=_request(n, start=start_at("big", hour=9, minute=10 * (n % 6))),
            rules=RULES,
            secret=secret,
        ).booking.reference
        for n in range(16)
    ]

    def attempt(i: int) -> str:
        reference = references[i // 2]
        number = document(i // 2)
        if i % 2:
            moved_to = datetime.fromisoformat(start_at("big", hour=15, minute=10 * (i % 6)))
            work: Callable[[Session], Booking] = lambda session: bookings.reschedule_booking(  # noqa: E731
                session,
                reference=reference,
                document_number=number,
                starts_at=moved_to,
                secret=secret,
                rules=RULES,
            )
        else:
            work = lambda session: bookings.cancel_booking(  # noqa: E731
                session, reference=reference, document_number=number, secret=secret
            )
        return run_transaction(sessions, work).status

    outcomes = _race(2 * len(references), attempt)

    # Every cancel wins, before or after the move; a move after the cancel is refused.
    assert outcomes[0::2] == ["cancelled"] * len(references)
    assert set(outcomes[1::2]) <= {"confirmed", "booking_not_active"}
    with sessions() as session:
        statuses = session.scalars(select(Booking.status)).all()
    assert set(statuses) == {BookingStatus.cancelled}
    assert_cells_match_bookings(sessions)
