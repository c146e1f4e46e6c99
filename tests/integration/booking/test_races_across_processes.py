"""The same race through ``kezek serve`` with two worker processes: capacity still holds."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TEST_SECRET
from tests.factories import booking_body, document, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings
from tests.server import running_server

CLIENTS = 32


def test_two_workers_never_oversell(
    database_url: str, sessions: sessionmaker[Session], network: None, tmp_path: Path
) -> None:
    barrier = threading.Barrier(CLIENTS)
    env = {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
    }

    def attempt(n: int) -> int:
        body = booking_body(office="big", start=start_at("big"), document_number=document(n))
        with httpx.Client(base_url=base, timeout=30) as http:
            barrier.wait()
            return http.post("/api/v1/bookings", json=body).status_code

    with (
        running_server(env=env) as base,
        ThreadPoolExecutor(max_workers=CLIENTS) as pool,
    ):
        statuses = Counter(pool.map(attempt, range(CLIENTS)))

    assert statuses == {201: 5, 409: CLIENTS - 5}
    assert_cells_match_bookings(sessions)
