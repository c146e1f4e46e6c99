"""Every ticket's page offers a Telegram link and its QR code where the installation has a
bot: a ticket from a phone as one from the kiosk; none once the ticket is over, or with
no bot."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

from . import line_pages
from .line_pages import Clock, serve, take_a_place, ticket_address
from .notify_pages import TELEGRAM_ON
from .pages import text

clock, phone_line, line_client = line_pages.clock, line_pages.phone_line, line_pages.line_client
LINK = re.compile(r'<a class="button" href="(https://t\.me/kezek_test_bot\?start=[\w-]+)"')


@pytest.fixture
def with_bot(settings: Settings, phone_line: None, clock: Clock) -> Iterator[TestClient]:
    yield from serve(settings, clock, **TELEGRAM_ON)


def test_a_ticket_from_a_phone_and_one_from_the_kiosk_offer_the_link_and_its_code(
    with_bot: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(with_bot, sessions)
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(with_bot, "aibek")
    issued = with_bot.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk)
    ticket_id, secret = ticket_address(page)

    again = with_bot.get(f"/ticket/{ticket_id}?s={secret}")
    walk_in = with_bot.get(f"/ticket/{issued.json()['id']}?s={issued.json()['secret']}")
    block = with_bot.get(f"/ticket/{ticket_id}?s={secret}", headers={"HX-Request": "true"})

    for shown in (page, walk_in):
        assert "Follow your turn in Telegram" in text(shown)
        assert LINK.search(shown.text) and '<svg role="img" class="qr"' in shown.text
    first, second = LINK.search(page.text), LINK.search(again.text)
    assert first and second and first.group(1) == second.group(1)  # one link, not a new one
    assert "Telegram" not in block.text  # the refreshed block asks for none


def test_no_link_once_the_ticket_is_over_nor_without_a_bot(
    with_bot: TestClient, line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with_bot.headers["Accept-Language"] = "en"
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(with_bot, "aibek")
    issued = with_bot.post(
        "/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk
    ).json()
    address = f"/ticket/{issued['id']}?s={issued['secret']}"
    without_bot = line_client.get(address)
    with_bot.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    with_bot.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)
    with_bot.post(f"/api/v1/tickets/{issued['id']}/start", headers=clerk)
    with_bot.post(f"/api/v1/tickets/{issued['id']}/finish", headers=clerk)

    served = with_bot.get(address)

    assert "You have been served" in text(served)
    assert without_bot.status_code == 200 and "Q-001" in text(without_bot)
    assert "Telegram" not in text(served) and "Telegram" not in text(without_bot)
