"""On PostgreSQL, a line long at its last work is worked out by the process beside the
worker: the pages show what the worker itself would have worked out; if that process
dies, or stops answering, the worker works the line out itself and starts another; and if
the worker dies, that process ends too."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.context import AppContext
from kezek.queue import line_process
from kezek.queue.line_process import LineProcess
from kezek.staff.models import Role
from tests.conftest import POSTGRESQL_ONLY, TEST_SECRET
from tests.integration.queue.conftest import Clock
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"
Ticket = dict[str, object]


def _client(settings: Settings, clock: Clock, line_process_from: int) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"line_process_from": line_process_from}))
    app.state.context = dataclasses.replace(app.state.context, clock=clock)
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def apart(settings: Settings, network: None, clock: Clock) -> Iterator[TestClient]:
    """The app with every line that had anyone waiting worked out beside it."""
    yield from _client(settings, clock, line_process_from=1)


@pytest.fixture
def alone(settings: Settings, network: None, clock: Clock) -> Iterator[TestClient]:
    """The same app on the same database and clock, working every line out itself."""
    yield from _client(settings, clock, line_process_from=0)


def _context(client: TestClient) -> AppContext:
    context: AppContext = client.app.state.context  # type: ignore[attr-defined]
    return context


def _line_process(client: TestClient) -> LineProcess:
    process = _context(client).line_process
    assert process is not None
    return process


def _issue(client: TestClient, count: int, service: str = "quick") -> list[Ticket]:
    kiosk = bearer(client, "kiosk-bsk")
    return [
        client.post(f"{OFFICE}/tickets", json={"service": service}, headers=kiosk).json()
        for _ in range(count)
    ]


def _read(client: TestClient, ticket: Ticket) -> dict[str, object]:
    response = client.get(
        f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Secret": str(ticket["secret"])}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def _open(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=bearer(client, "kiosk-bsk"))


@POSTGRESQL_ONLY
def test_a_long_line_is_worked_out_beside_the_worker_as_the_worker_would(
    apart: TestClient, alone: TestClient, sessions: sessionmaker[Session]
) -> None:
    _open(apart, sessions)
    tickets = _issue(apart, 3) + _issue(apart, 2, service="long")
    _read(apart, tickets[0])  # the line's first work: in the worker, its length unknown
    assert _line_process(apart).child_pids() == []

    later = _issue(apart, 2)  # not in the kept line: worked out again, now beside it
    pages = [_read(apart, ticket) for ticket in tickets + later]

    children = _line_process(apart).child_pids()
    assert len(children) == 1 and children[0] != os.getpid()
    assert _line_process(apart).worked == 1
    assert pages == [_read(alone, ticket) for ticket in tickets + later]
    assert [page["position"] for page in pages] == [1, 2, 3, 4, 5, 6, 7]
    assert all(page["estimated_call_at"] for page in pages)


@POSTGRESQL_ONLY
def test_a_short_line_is_worked_out_by_the_worker_itself(
    settings: Settings, network: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    for client in _client(settings, clock, line_process_from=10):
        _open(client, sessions)
        tickets = _issue(client, 3)
        _read(client, tickets[0])
        _read(client, _issue(client, 1)[0])  # worked out again: three were waiting before

        assert _line_process(client).child_pids() == []
        assert _line_process(client).worked == 0


@POSTGRESQL_ONLY
def test_the_worker_works_the_line_out_itself_when_the_process_beside_it_died(
    apart: TestClient, alone: TestClient, sessions: sessionmaker[Session]
) -> None:
    _open(apart, sessions)
    tickets = _issue(apart, 3)
    _read(apart, tickets[0])
    _read(apart, _issue(apart, 1)[0])  # the process beside it starts
    (child,) = _line_process(apart).child_pids()
    os.kill(child, signal.SIGKILL)
    _wait_until_gone(child)

    assert _line_process(apart).worked == 1

    late = _issue(apart, 1)[0]
    assert _read(apart, late) == _read(alone, late)  # worked out by the worker
    assert _line_process(apart).worked == 1

    later = _issue(apart, 1)[0]
    assert _read(apart, later) == _read(alone, later)
    (another,) = _line_process(apart).child_pids()
    assert another != child
    assert _line_process(apart).worked == 2


@POSTGRESQL_ONLY
def test_a_process_beside_that_stops_answering_is_killed_and_replaced(
    apart: TestClient,
    alone: TestClient,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _open(apart, sessions)
    _read(apart, _issue(apart, 3)[0])
    _read(apart, _issue(apart, 1)[0])  # the process beside it starts
    (stuck,) = _line_process(apart).child_pids()
    os.kill(stuck, signal.SIGSTOP)  # alive, but it answers nothing: as if hung
    waited = line_process.WAIT_SECONDS
    monkeypatch.setattr(line_process, "WAIT_SECONDS", 1.0)

    late = _issue(apart, 1)[0]
    assert _read(apart, late) == _read(alone, late)  # worked out by the worker, after 1 s
    _wait_until_gone(stuck)  # killed, not left to hold up every later long line
    monkeypatch.setattr(line_process, "WAIT_SECONDS", waited)  # for the new one's start

    later = _issue(apart, 1)[0]
    assert _read(apart, later) == _read(alone, later)
    (another,) = _line_process(apart).child_pids()
    assert another != stuck
    assert _line_process(apart).worked == 2


@pytest.mark.parametrize(
    "database_url", [pytest.param("sqlite", id="sqlite")], indirect=True, scope="session"
)
def test_on_sqlite_every_line_is_worked_out_by_the_worker_itself(apart: TestClient) -> None:
    """A reading transaction there holds the write lock: the process beside would wait."""
    assert _context(apart).line_process is None


# A worker that starts its line process, says the child's process id, and is killed.
KILLED_WORKER = """
import os, signal
from kezek.config import Settings
from kezek.queue.line_process import LineProcess

process = LineProcess(Settings(), from_waiting=1)
assert process.start().result(60)
print(process.child_pids()[0], flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@POSTGRESQL_ONLY
def test_the_process_beside_ends_when_its_worker_is_killed(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
    }
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER], env=env, capture_output=True, text=True, timeout=90
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    child = int(worker.stdout.strip())

    assert _gone(child, seconds=10)


def _gone(pid: int, seconds: float) -> bool:
    """Ended (a zombie, not yet reaped by whoever adopted it, counts as ended)."""
    for _ in range(int(seconds * 100)):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.01)
    return False


def _wait_until_gone(pid: int) -> None:
    assert _gone(pid, seconds=2)
