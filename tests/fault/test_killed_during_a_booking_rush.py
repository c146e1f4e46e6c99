"""kill -9 the server in the middle of a booking rush: nothing confirmed is lost or doubled.

Clients keep one Idempotency-Key per booking attempt and retry it until they get an
answer, through the outage. Afterwards every booking answered 201 exists, each attempt
made at most one booking, every retry of an answered attempt got the same booking back,
and no slot holds more than its capacity.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, BookingStatus
from tests.conftest import TEST_SECRET
from tests.factories import booking_body, document, start_at
from tests.integration.booking.invariants import assert_cells_match_bookings
from tests.server import free_port, killable_server

CLIENTS = 12
ATTEMPTS_EACH = 6


def test_killed_mid_rush_nothing_confirmed_is_lost_or_doubled(
    database_url: str, sessions: sessionmaker[Session], network: None, tmp_path: Path
) -> None:
    env = {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    answers: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
    lock = threading.Lock()
    answered = threading.Semaphore(0)

    def client(number: int) -> None:
        with httpx.Client(base_url=base, timeout=5) as http:
            for attempt in range(ATTEMPTS_EACH):
                key = uuid.uuid4().hex
                person = number * ATTEMPTS_EACH + attempt
                body = booking_body(
                    office="big",
                    start=start_at("big", hour=9 + attempt % 8),
                    document_number=document(person),
                )
                deadline = time.monotonic() + 90
                ask_again = attempt % 3 == 0  # a client that never saw the first answer
                while time.monotonic() < deadline:
                    try:
                        response = http.post(
                            "/api/v1/bookings", json=body, headers={"Idempotency-Key": key}
                        )
                    except httpx.TransportError:
                        time.sleep(0.2)  # the server is away: try again with the same key
                        continue
                    if response.status_code >= 500:
                        time.sleep(0.2)
                        continue
                    reference = response.json().get("reference")
                    with lock:
                        answers[key].append((response.status_code, reference))
                    answered.release()
                    if response.status_code == 201 and ask_again:
                        ask_again = False
                        continue
                    break

    with killable_server(env=env, port=port) as first:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for _ in range(10):  # some bookings are through…
            answered.acquire(timeout=30)
        os.killpg(first.pid, signal.SIGKILL)  # …then the power goes
        first.wait()
        with lock:
            before_the_kill = len(answers)
    with killable_server(env=env, port=port):
        for thread in threads:
            thread.join(timeout=120)

    confirmed = {
        reference for replies in answers.values() for status, reference in replies if status == 201
    }
    with sessions() as session:
        stored = list(
            session.scalars(select(Booking).where(Booking.status == BookingStatus.confirmed))
        )
    stored_references = [booking.reference for booking in stored]
    assert confirmed, "no booking got through before the kill"
    assert before_the_kill < len(answers) == CLIENTS * ATTEMPTS_EACH  # the rush went on after
    assert confirmed <= set(stored_references)  # every 201 exists
    assert len(stored_references) == len(set(stored_references))
    for replies in answers.values():  # each attempt made one booking, the same every time
        references = {reference for status, reference in replies if status == 201}
        assert len(references) <= 1, replies
    assert len(stored) <= len(answers)  # no attempt booked twice behind its key
    assert_cells_match_bookings(sessions)
