"""Many clients at the same instant, for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from kezek.booking.details import BookingRequest
from kezek.booking.rules import BookingRules
from kezek.config import Settings
from kezek.errors import Problem
from tests.factories import document, start_at

T = TypeVar("T")


def race(count: int, attempt: Callable[[int], T]) -> list[T | Problem]:
    """Run ``attempt(i)`` for every i at the same instant; a refusal is returned, not raised."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T | Problem:
        barrier.wait()
        try:
            return attempt(i)
        except Problem as problem:
            return problem

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def rush_request(n: int, *, office: str = "big", start: str | None = None) -> BookingRequest:
    return BookingRequest(
        office=office,
        service="quick",
        starts_at=datetime.fromisoformat(start or start_at(office)),
        document_number=document(n),
        full_name="Асанов Айбек",
        phone="+996555123456",
        language="ky",
    )


def rules_for(settings: Settings, *, bookings_per_phone: int = 0) -> BookingRules:
    """The rules of the test's settings, on the booking path they choose; no phone cap
    unless given, since every ``rush_request`` gives the same phone."""
    return BookingRules(
        horizon_days=settings.booking_horizon_days,
        min_notice=timedelta(minutes=settings.min_notice_minutes),
        max_range_days=settings.max_availability_days,
        bookings_per_phone=bookings_per_phone,
        one_statement=settings.booking_one_statement,
    )
