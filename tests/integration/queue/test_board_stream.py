"""The board's event stream shows a call within a second, across worker processes."""

from __future__ import annotations

import json
import threading
import time

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import environment_for, running_server

BOARDS = 3


def _events(response: httpx.Response) -> object:
    """Yield (received at, board) for each 'board' event of an SSE response."""
    name = ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:") and name == "board":
            yield time.monotonic(), json.loads(line.removeprefix("data:"))


def test_every_board_sees_the_call_within_a_second(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    # SQLite serves from one process; PostgreSQL fans out through LISTEN/NOTIFY.
    workers = 2 if settings.database_url.startswith("postgresql") else 1
    seen: dict[int, float] = {}
    ready = threading.Barrier(BOARDS + 1)

    def watch(board: int) -> None:
        with (
            httpx.Client(base_url=base, timeout=10) as http,
            http.stream("GET", "/api/v1/offices/bsk/board/stream") as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            for number, (at, shown) in enumerate(_events(response)):  # type: ignore[misc]
                if number == 0:
                    ready.wait()
                calls = [call["code"] for call in shown["last_calls"]]
                if "Q-001" in calls:
                    seen[board] = at
                    return

    with running_server(env=environment_for(settings), workers=workers) as base:
        watchers = [threading.Thread(target=watch, args=(n,)) for n in range(BOARDS)]
        for watcher in watchers:
            watcher.start()
        with httpx.Client(base_url=base, timeout=10) as http:
            token = http.post(
                "/api/v1/auth/token", json={"username": "aibek", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            http.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=headers)
            http.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=headers)
            ready.wait(timeout=10)
            called_at = time.monotonic()
            called = http.post("/api/v1/offices/bsk/windows/1/call-next", headers=headers)
        for watcher in watchers:
            watcher.join(timeout=10)

    assert called.status_code == 200
    assert sorted(seen) == list(range(BOARDS))
    assert max(seen.values()) - called_at < 1.0
