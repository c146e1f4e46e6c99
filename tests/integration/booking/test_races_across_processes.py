"""The same race through ``kezek serve`` with two worker processes: capacity still holds."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings
from tests.server import environment_for, running_server

CLIENTS = 32


@BOTH_BOOKING_PATHS
def test_two_workers_never_oversell(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    barrier = threading.Barrier(CLIENTS)

    def attempt(n: int) -> int:
        body = booking_body(office="big", start=start_at("big"), document_number=document(n))
        with httpx.Client(base_url=base, timeout=30) as http:
            barrier.wait()
            return http.post("/api/v1/bookings", json=body).status_code

    with (
        running_server(env=environment_for(settings)) as base,
        ThreadPoolExecutor(max_workers=CLIENTS) as pool,
    ):
        statuses = Counter(pool.map(attempt, range(CLIENTS)))

    assert statuses == {201: 5, 409: CLIENTS - 5}
    assert_cells_match_bookings(sessions)
