"""PostgreSQL goes away under load: requests fail fast with 503, then work again by themselves.

The outage is made on this test's own database, not by restarting the server: every
connection to it is cut and new ones are refused for a while, as in a restart, while the
tests in other processes, on databases of their own, run on undisturbed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import booking_body, document, start_at
from tests.postgres import admin_execute


def _admin(sql: str) -> None:
    admin_execute(POSTGRES_ADMIN_URL, sql)


def _outage(name: str, seconds: float) -> None:
    """Cut every connection to database ``name`` and refuse new ones for ``seconds``."""
    _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    try:
        _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        time.sleep(seconds)
    finally:
        _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


# SQLite runs inside the process: there is no server to lose, so PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_outage_gives_503s_not_500s_and_service_comes_back(
    database_url: str, client: TestClient
) -> None:
    statuses: Counter[int] = Counter()
    slowest = 0.0
    stop = threading.Event()

    def load() -> None:
        nonlocal slowest
        n = 0
        while not stop.is_set():
            n += 1
            began = time.monotonic()
            status = client.get("/api/v1/offices").status_code
            slowest = max(slowest, time.monotonic() - began)
            statuses[status] += 1

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(0.5)
    _outage(str(make_url(database_url).database), seconds=1.5)
    time.sleep(0.5)
    stop.set()
    worker.join(timeout=30)

    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0  # the outage was seen, and said so
    assert slowest < 12  # a refused connection, not a hang
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # it comes back without anyone touching it
        if client.get("/readyz").status_code == 200:
            break
        time.sleep(0.5)
    booked = client.post(
        "/api/v1/bookings",
        json=booking_body(document_number=document(99), start=start_at(hour=16)),
    )
    assert booked.status_code == 201
