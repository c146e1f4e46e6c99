"""A ticket's page reloads itself while something can still happen to the ticket, and stops
once it is over: a served citizen's phone, its page left open, no longer asks every 20
seconds for the rest of the day (its data, its battery, and the server's office-scale load)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

from .pages import text

RELOADS = 'hx-trigger="every 20s"'
REFRESH = '<meta http-equiv="refresh"'


def _clerk_at_window_1(client: TestClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    make_staff(sessions, "manager", Role.manager, ["bsk"])
    clerk = bearer(client, "manager")
    opened = client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    assert opened.status_code == 200, opened.text
    return clerk


def _quick_ticket(client: TestClient, clerk: dict[str, str]) -> dict[str, str]:
    issued = client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk)
    assert issued.status_code == 201, issued.text
    ticket: dict[str, str] = issued.json()
    return ticket


def _page_and_block(client: TestClient, address: str) -> tuple[str, str]:
    page = client.get(address, headers={"Accept-Language": "ru"})
    block = client.get(address, headers={"Accept-Language": "ru", "HX-Request": "true"})
    assert page.status_code == 200 and block.status_code == 200, (page.text, block.text)
    return page.text, block.text


@pytest.mark.parametrize(
    ("ending", "shown"),
    [
        (["start", "finish"], "Вас обслужили. Спасибо."),
        (["no_show"], None),
        (["cancel"], None),
    ],
)
def test_a_page_reloads_until_its_ticket_is_over(
    client: TestClient, sessions: sessionmaker[Session], ending: list[str], shown: str | None
) -> None:
    clerk = _clerk_at_window_1(client, sessions)
    issued = _quick_ticket(client, clerk)
    address = f"/ticket/{issued['id']}?s={issued['secret']}"

    waiting_page, waiting_block = _page_and_block(client, address)
    called = client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)
    assert called.status_code == 200, called.text
    called_page, called_block = _page_and_block(client, address)
    for action in ending:
        acted = client.post(f"/api/v1/tickets/{issued['id']}/{action}", headers=clerk)
        assert acted.status_code == 200, acted.text
    over_page, over_block = _page_and_block(client, address)

    # Waiting and at the window: the block asks again, and so does the page without scripts.
    for page, block in ((waiting_page, waiting_block), (called_page, called_block)):
        assert RELOADS in block and RELOADS in page and REFRESH in page
    # Over: the last block, swapped in, carries no trigger, and the page no refresh.
    assert 'data-status="' in over_block and "Q-001" in over_block
    assert RELOADS not in over_block and "hx-get" not in over_block
    assert RELOADS not in over_page and REFRESH not in over_page
    # Nor does it say that it updates itself; the block's last answer takes that note away.
    assert "обновляется сама" in waiting_page and "обновляется сама" not in over_page
    assert '<p id="page-note" hx-swap-oob="true" hidden></p>' in over_block
    if shown:
        assert shown in text(client.get(address, headers={"Accept-Language": "ru"}))


def test_a_ticket_sent_home_at_closing_stops_reloading_too(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk_at_window_1(client, sessions)
    issued = _quick_ticket(client, clerk)
    address = f"/ticket/{issued['id']}?s={issued['secret']}"
    closed = client.post("/api/v1/offices/bsk/close-day", headers=clerk)
    assert closed.status_code == 200, closed.text

    page, block = _page_and_block(client, address)

    assert 'data-status="not_served"' in block
    assert RELOADS not in block and RELOADS not in page and REFRESH not in page


def test_a_holder_sent_on_keeps_reloading_for_the_new_ticket(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    clerk = _clerk_at_window_1(client, sessions)
    issued = _quick_ticket(client, clerk)
    client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)
    client.post(f"/api/v1/tickets/{issued['id']}/start", headers=clerk)
    sent = client.post(
        f"/api/v1/tickets/{issued['id']}/transfer", json={"service": "long"}, headers=clerk
    )
    assert sent.status_code == 201, sent.text

    page, block = _page_and_block(client, f"/ticket/{issued['id']}?s={issued['secret']}")

    # The receipt's ticket is over, but the one it became waits: the page goes on asking.
    assert 'data-status="waiting"' in block and "L-001" in block
    assert RELOADS in block and REFRESH in page
