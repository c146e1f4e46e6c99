"""A board's stream outlives a snapshot the database could not give."""

from __future__ import annotations

import json
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue import service
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff


def test_the_stream_retries_after_a_failed_read(
    client: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_staff(sessions, "kiosk", Role.clerk, ["bsk"])
    kiosk = bearer(client, "kiosk")
    real_board = service.board
    reads = {"count": 0}

    def flaky_board(*args: object, **kwargs: object) -> object:
        reads["count"] += 1
        if reads["count"] == 2:  # the read after the first change
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_board(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "board", flaky_board)
    client.app.state.context.bus.beat_seconds = 0.2  # type: ignore[attr-defined]
    lines: list[str] = []
    with client.stream("GET", "/api/v1/offices/bsk/board/stream") as response:
        received = response.iter_lines()
        for line in received:
            if line.startswith("data:"):
                break  # the first snapshot
        issue = threading.Thread(
            target=lambda: client.post(
                "/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=kiosk
            )
        )
        issue.start()
        for line in received:
            lines.append(line)
            if line.startswith("data:"):
                break
        issue.join()

    assert any("retrying" in line for line in lines)
    shown = json.loads(lines[-1].removeprefix("data:"))
    assert shown["waiting"]["quick"] == 1
