"""The ticket page a phone reloads every 20 seconds reads as the API's ticket status does:
from the line its worker keeps, on the event loop and without the database, and otherwise
on the threads kept for ticket pages, never on those the clerks' routes share."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue import service as queue_service
from kezek.queue.status import TicketStatusView
from kezek.staff.models import Role
from tests.integration.queue.test_ticket_status_from_the_kept_line import statements
from tests.integration.staff.helpers import bearer, make_staff

from .pages import text

BLOCK = {"HX-Request": "true", "Accept-Language": "ru"}


def _line_of_two(client: TestClient, sessions: sessionmaker[Session]) -> list[str]:
    """Two tickets in line at a window open, as the addresses printed on their receipts."""
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    kiosk = bearer(client, "kiosk-bsk")
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=kiosk)
    issued = [
        client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=kiosk).json()
        for _ in range(2)
    ]
    return [f"/ticket/{ticket['id']}?s={ticket['secret']}" for ticket in issued]


@pytest.fixture
def read_on() -> Iterator[list[str]]:
    """The name of each thread ``read_ticket_view`` ran on, meanwhile."""
    names: list[str] = []
    reading = queue_service.read_ticket_view

    def noted(*args: object, **kwargs: object) -> TicketStatusView:
        names.append(threading.current_thread().name)
        return reading(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queue_service, "read_ticket_view", noted)
        yield names


def test_a_block_read_again_is_answered_from_the_kept_line(
    client: TestClient, sessions: sessionmaker[Session], read_on: list[str]
) -> None:
    first, second = _line_of_two(client, sessions)
    before = client.get(second, headers=BLOCK)  # works the line out, on a page thread

    with statements(client) as sent:
        again, other = client.get(second, headers=BLOCK), client.get(first, headers=BLOCK)

    assert sent == []
    assert len(read_on) == 1 and read_on[0].startswith("kezek-page-")  # the first read only
    assert again.status_code == 200 and text(again) == text(before)
    assert "Ваше место в очереди: 2" in text(again)
    assert "Ваше место в очереди: 1" in text(other) and "Q-001" in other.text


def test_a_page_the_kept_line_cannot_answer_reads_on_a_page_thread(
    client: TestClient, sessions: sessionmaker[Session], read_on: list[str]
) -> None:
    first, _ = _line_of_two(client, sessions)

    page = client.get(first, headers={"Accept-Language": "ru"})  # the whole page, once
    wrong = client.get(first.replace("?s=", "?s=x"), headers=BLOCK)

    assert page.status_code == 200 and "<html" in page.text
    assert "Ваше место в очереди: 1" in text(page)
    # The wrong secret is not the kept one: the database says there is no such ticket.
    assert wrong.status_code == 404
    assert len(read_on) == 2 and all(name.startswith("kezek-page-") for name in read_on)
