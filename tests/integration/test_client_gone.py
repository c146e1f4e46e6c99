"""A client that goes away before its form is read (a phone that lost its signal, a second
tap sent instead of the first) is no server error: 499 in the access log, nothing at ERROR,
and nothing written."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking


def _sent_then_gone(client: TestClient, path: str) -> list[dict[str, Any]]:
    """POST ``path`` with a form body the client never sends: it disconnects at once. (On
    the test client's own event loop: the app's lifespan runs there.)"""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"200"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    assert client.portal is not None
    client.portal.call(client.app, scope, receive, send)
    return sent


def test_a_form_whose_client_went_away_is_no_error(
    client: TestClient, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        sent = _sent_then_gone(client, "/manage/cancel")

    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("went away" in r.getMessage() for r in caplog.records)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
