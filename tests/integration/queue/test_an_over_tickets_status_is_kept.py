"""A ticket that is over (served, missed, cancelled, sent home) stays so: its status may be
kept by the holder's app for a day, where a ticket still in line must be asked each time."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.queue.conftest import kiosk_and_clerk

OFFICE = "/api/v1/offices/bsk"


def test_a_served_tickets_status_may_be_kept_a_day(
    app: TestClient, sessions: sessionmaker[Session]
) -> None:
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    mine = app.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()
    path, secret = f"/api/v1/tickets/{mine['id']}", {"X-Ticket-Secret": mine["secret"]}

    waiting = app.get(path, headers=secret)
    app.post(f"{OFFICE}/windows/1/call-next", headers=clerk)
    called = app.get(path, headers=secret)
    app.post(f"/api/v1/tickets/{mine['id']}/start", headers=clerk)
    app.post(f"/api/v1/tickets/{mine['id']}/finish", headers=clerk)
    served = app.get(path, headers=secret)
    again = app.get(path, headers={**secret, "If-None-Match": served.headers["ETag"]})

    # In line or at the window, the answer changes: the app asks every time.
    for answer in (waiting, called):
        assert answer.headers["Cache-Control"] == "private, no-cache"
        assert "vary" not in answer.headers
    assert served.status_code == 200 and served.json()["status"] == "done"
    assert served.headers["Cache-Control"] == "private, max-age=86400"
    # Kept only for a request with the holder's secret, never for one without.
    assert served.headers["Vary"] == "X-Ticket-Secret"
    assert (
        again.status_code == 304
        and again.headers["Cache-Control"] == served.headers["Cache-Control"]
    )
    assert app.get(path, headers={"X-Ticket-Secret": "WRONG00000"}).status_code == 404
