"""An admin on a phone opens Messages, finds a message that failed for good and sends it
again: in Kyrgyz with JavaScript on and in Russian with it off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.i18n.catalogs import translations
from kezek.notify.models import Channel, MessageStatus, OutboxMessage
from kezek.notify.outbox import Address, Message, enqueue
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.fakes import FakeSmsGateway
from tests.fakes.fixtures import provider_env
from tests.integration.staff.helpers import make_staff
from tests.server import thread_server

from .people import fits_the_screen, keep_screenshot, phone, sign_in

MODES = [
    pytest.param("ky", True, id="ky-javascript"),
    pytest.param("ru", False, id="ru-no-javascript"),
]
REFUSED = "400 invalid number …0042"


@pytest.fixture
def sms_site(server_env: dict[str, str]) -> Iterator[str]:
    """``kezek serve`` with SMS on, and no relay: a message queued again stays queued."""
    gateway = FakeSmsGateway().started()
    try:
        env = {**server_env, **provider_env(sms=gateway)}
        with thread_server(env=env) as base:
            yield base
    finally:
        gateway.stop()


def _dead_letter(sessions: sessionmaker[Session]) -> int:
    """A confirmation SMS the gateway refused for good, as the relay leaves it."""
    sms = Message(
        key="booking:7KQ2M9XD:confirmed:1",
        subject="booking:7KQ2M9XD",
        kind="confirmed",
        to=Address(Channel.sms, "+996555000042", "ky"),
        body="Kezek: 7KQ2-M9XD",
        due_at=utcnow(),
    )
    with sessions.begin() as session:
        enqueue(session.connection(), [sms], now=utcnow())
        session.execute(
            update(OutboxMessage).values(
                status=MessageStatus.dead.value, attempts=8, last_error=REFUSED
            )
        )
        return session.scalars(select(OutboxMessage.id)).one()


def _row(sessions: sessionmaker[Session], message_id: int) -> tuple[str, int]:
    with sessions() as session:
        row = session.get_one(OutboxMessage, message_id)
        return row.status, row.attempts


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_an_admin_sends_a_dead_letter_again(
    browser: Browser,
    sms_site: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    language: str,
    javascript: bool,
) -> None:
    catalog = translations(language)
    _ = catalog.gettext
    make_staff(sessions, "aigul", Role.admin, [])
    letter = _dead_letter(sessions)
    page = phone(browser, language, javascript=javascript)

    sign_in(page, sms_site, "aigul", "/admin/messages")

    expect(page.locator("h1")).to_have_text(_("Messages"))
    row = page.locator("table.letters tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(_("Booking confirmed"))
    expect(row).to_contain_text("…0042")  # masked: recognisable, not copyable
    expect(row).to_contain_text(REFUSED)
    fits_the_screen(page)  # the wide table scrolls in its own box, not the page
    mode = f"{language}-{'js' if javascript else 'nojs'}"
    keep_screenshot(page, f"admin-messages-{mode}-1-dead", tmp_path)
    again = row.locator("button", has_text=_("Send again"))
    again.scroll_into_view_if_needed()  # the last column: the table scrolls sideways to it
    keep_screenshot(page, f"admin-messages-{mode}-1-dead-scrolled", tmp_path)

    again.click()

    page.wait_for_url(f"{sms_site}/admin/messages?retried=1")
    expect(page.locator("p.ok[role=status]")).to_have_text(
        catalog.ngettext(
            "%(num)d message will be sent again.", "%(num)d messages will be sent again.", 1
        )
        % {"num": 1}
    )
    expect(page.locator("#failed + p.ok")).to_have_text(_("No failed messages."))
    assert _row(sessions, letter) == (MessageStatus.queued.value, 0)
    sms_counts = page.locator("table.figures tbody tr").first.locator("td")
    expect(sms_counts.nth(1)).to_have_text("1")  # waiting to be sent
    expect(sms_counts.nth(3)).to_have_text("0")  # failed
    keep_screenshot(page, f"admin-messages-{mode}-2-sent-again", tmp_path)
    page.context.close()
