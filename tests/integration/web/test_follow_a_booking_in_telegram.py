"""The booking's page offers reminders in Telegram, with a link and a QR code, only where a
bot is configured."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import TelegramLink
from tests.factories import document

from .notify_pages import TELEGRAM_ON, app_client
from .pages import book_through_pages, link_to, submit


@pytest.fixture
def with_bot(settings: Settings, network: None) -> Iterator[TestClient]:
    yield from app_client(settings, **TELEGRAM_ON)


def test_with_a_bot_the_page_and_the_printable_page_offer_a_link_and_a_qr_code(
    with_bot: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = book_through_pages(with_bot, "en", document(1))

    assert "Get reminders in Telegram" in booked.text
    link = link_to(booked, r"^https://t\.me/kezek_test_bot\?start=")
    assert re.search(r'<svg role="img" class="qr"', booked.text)
    printable = with_bot.get(link_to(booked, r"^/booking/[^/?]+/print$"))
    assert re.search(r'<svg role="img" class="qr"', printable.text)
    # Until a chat opens it, every view shows the same link and writes no second row.
    assert link_to(printable, r"^https://t\.me/kezek_test_bot\?start=") == link
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TelegramLink)) == 1


def test_without_a_bot_nothing_is_said_of_telegram(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = book_through_pages(client, "en", document(1))
    printable = client.get(link_to(booked, r"^/booking/[^/?]+/print$"))

    for page in (booked, printable):
        assert "Telegram" not in page.text and "t.me" not in page.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TelegramLink)) == 0


def test_a_cancelled_booking_offers_no_reminders(with_bot: TestClient) -> None:
    booked = book_through_pages(with_bot, "en", document(1))
    ask = with_bot.get(link_to(booked, r"^/manage/cancel\?token="))

    cancelled = submit(with_bot, ask, "/manage/cancel")

    assert "The booking is cancelled" in cancelled.text
    assert "t.me" not in cancelled.text
