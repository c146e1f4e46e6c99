"""The t.me links the booking and ticket pages show: one-time, short-lived, off when
Telegram is."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from kezek.admin.telegram import booking_telegram_link, ticket_telegram_link
from kezek.app import create_app
from kezek.config import Settings
from kezek.context import AppContext
from kezek.errors import NotFound
from kezek.notify.models import TelegramLink
from kezek.notify.telegram import hash_token
from kezek.types import utcnow
from tests.factories import ZONES, local_day, start_at
from tests.integration.telegram.bot import book, booking_token, clerk, ticket, ticket_token


def _links(context: AppContext) -> list[TelegramLink]:
    with context.sessions() as session:
        found = list(session.scalars(select(TelegramLink)))
        session.expunge_all()
        return found


def test_a_booking_link_is_kept_only_as_its_hash_and_written_once_a_day(
    bot: TestClient, context: AppContext
) -> None:
    reference, proof = book(bot, language="ky", start=start_at(days_ahead=30))

    first = booking_token(context, reference, proof)
    second = booking_token(context, reference, proof)  # the page opened again

    assert first == second and 20 <= len(first) <= 64
    assert all(char.isalnum() or char in "-_" for char in first)
    links = {link.token_hash: link for link in _links(context)}
    assert set(links) == {hash_token(first)}
    link = links[hash_token(first)]
    assert (link.subject, link.language, link.chat_id) == (f"booking:{reference}", "ky", None)
    # A week, for a booking a month away.
    assert timedelta(days=6, hours=23) < link.expires_at - utcnow() <= timedelta(days=7)


def test_another_language_or_booking_has_another_link(bot: TestClient, context: AppContext) -> None:
    reference, proof = book(bot, language="ky", start=start_at(days_ahead=30))
    other, other_proof = book(bot, language="ky", start=start_at(days_ahead=31), number=2)

    kyrgyz = booking_token(context, reference, proof)
    russian = booking_token(context, reference, proof, language="ru")

    assert len({kyrgyz, russian, booking_token(context, other, other_proof)}) == 3


def test_a_link_for_a_booking_soon_ends_with_the_visit(
    bot: TestClient, context: AppContext
) -> None:
    start = start_at(days_ahead=1, hour=12)
    reference, proof = book(bot, start=start)

    booking_token(context, reference, proof)

    (link,) = _links(context)
    assert link.expires_at == datetime.fromisoformat(start) + timedelta(minutes=10)


def test_no_link_without_the_holders_proof(bot: TestClient, context: AppContext) -> None:
    reference, _ = book(bot)

    with pytest.raises(NotFound):
        booking_telegram_link(context, reference=reference, proof="0" * 64)
    assert _links(context) == []


def test_no_link_for_a_cancelled_booking(bot: TestClient, context: AppContext) -> None:
    reference, proof = book(bot)
    bot.post(f"/api/v1/bookings/{reference}/cancel", headers={"X-Document-Number": "AC0000001"})

    assert booking_telegram_link(context, reference=reference, proof=proof) is None
    assert _links(context) == []


@pytest.mark.parametrize(
    "change",
    [
        {"telegram_bot_token": None},
        {"telegram_bot_token": SecretStr("")},
        {"telegram_bot_username": ""},
    ],
    ids=["no-token", "empty-token", "no-bot-name"],
)
def test_no_link_when_telegram_is_off(
    bot_settings: Settings, engine: object, network: None, change: dict[str, object]
) -> None:
    app = create_app(bot_settings.model_copy(update=change))
    with TestClient(app) as client:
        reference, proof = book(client)
        context: AppContext = app.state.context
        assert booking_telegram_link(context, reference=reference, proof=proof) is None
        assert _links(context) == []


def test_a_ticket_link_lasts_the_ticket_day(bot: TestClient, context: AppContext) -> None:
    issued = ticket(bot, clerk(bot))

    ticket_token(context, issued, language="ru")

    (link,) = _links(context)
    assert (link.subject, link.language) == (f"ticket:{issued['id']}", "ru")
    tomorrow = datetime.combine(local_day("bsk", days_ahead=1), time(), ZONES["bsk"])
    assert link.expires_at == tomorrow  # the office's midnight, not the server's


def test_no_ticket_link_without_its_secret(bot: TestClient, context: AppContext) -> None:
    issued = ticket(bot, clerk(bot))

    with pytest.raises(NotFound):
        ticket_telegram_link(context, ticket_id=issued["id"], ticket_secret="WRONG12345")
    assert _links(context) == []
