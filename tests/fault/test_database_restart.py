"""PostgreSQL restarts under load: requests fail fast with 503, then work again by themselves."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.factories import booking_body, document, start_at


def _restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )


# SQLite runs inside the process: there is no server to restart, so PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_restart_gives_503s_not_500s_and_service_comes_back(
    database_url: str, client: TestClient
) -> None:
    if not Path("/etc/postgresql").exists():
        pytest.skip("no local PostgreSQL cluster to restart")
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
    _restart_postgres()
    time.sleep(1.0)
    stop.set()
    worker.join(timeout=30)

    assert set(statuses) <= {200, 503}, statuses
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
