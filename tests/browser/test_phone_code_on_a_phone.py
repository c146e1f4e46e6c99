"""A citizen books where the office wants the phone confirmed, on a 360-pixel phone: in
Kyrgyz with JavaScript on and in Russian with it off. A wrong code is said beside the code
field, a new code can be asked for, the right one books; the booking page says where the
confirmation went and offers reminders in Telegram, and the link in the SMS finds the
booking again."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.i18n.catalogs import translations
from kezek.notify.relay import Relay
from kezek.notify.service import masked, relay_rules, transports
from kezek.notify.verification import MAX_TRIES
from tests.factories import document
from tests.fakes import FakeSmsGateway, FakeTelegram, SmtpSink
from tests.fakes.fixtures import pointed_at, provider_env
from tests.server import free_port, thread_server

from .people import fits_the_screen, keep_screenshot, phone, tomorrows_times

MODES = [
    pytest.param("ky", True, id="ky-javascript"),
    pytest.param("ru", False, id="ru-no-javascript"),
]
TYPED_PHONE = "+996 555 123 456"
NUMBER = "+996555123456"  # as the gateway is given it
MAILBOX = "aibek.asanov@example.org"
BOT = "kezek_test_bot"


@dataclass(frozen=True)
class Providers:
    """The fake SMS gateway, SMTP server and Bot API, and a relay that sends to them when
    the test says so (a relay polling on its own would race the test's reading)."""

    sms: FakeSmsGateway
    smtp: SmtpSink
    telegram: FakeTelegram
    relay: Relay

    def send_due(self) -> None:
        """Send what is due now; a pass held back by a channel's rate waits a little."""
        for _ in range(50):
            done = self.relay.run_once()
            if not done.claimed:
                return
            if done.deferred:
                time.sleep(0.1)


@pytest.fixture
def providers(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Providers]:
    sms = FakeSmsGateway().started()
    smtp = SmtpSink().started()
    telegram = FakeTelegram(username=BOT).started()
    configured = pointed_at(settings, sms=sms, smtp=smtp, telegram=telegram)
    relay = Relay(
        sessions=sessions, transports=transports(configured), rules=relay_rules(configured)
    )
    try:
        yield Providers(sms, smtp, telegram, relay)
    finally:
        for fake in (sms, smtp, telegram):
            fake.stop()


@pytest.fixture
def verifying_site(server_env: dict[str, str], providers: Providers) -> Iterator[str]:
    """``kezek serve`` where every office asks for a confirmed phone, with SMS, e-mail and
    Telegram on; the links in messages lead back to it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **server_env,
        **provider_env(sms=providers.sms, smtp=providers.smtp, telegram=providers.telegram),
        "KEZEK_VERIFY_PHONES": "true",
        "KEZEK_PUBLIC_URL": base,
    }
    with thread_server(env=env, port=port):
        yield base


def _code(providers: Providers, count: int) -> str:
    """The code in the ``count``-th SMS the gateway delivered."""
    providers.send_due()
    text = providers.sms.wait_for(count)[count - 1]["text"]
    found = re.search(r"\b\d{6}\b", text)
    assert found, text
    return found.group()


def _fill_details(page: Page, site: str, shot: Path) -> None:
    page.goto(tomorrows_times(site))
    page.locator(".times a").first.click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill(TYPED_PHONE)
    page.locator("#email").fill(MAILBOX)  # asked for: this installation sends e-mail
    page.locator("#document_number").fill(document(5))
    fits_the_screen(page)
    keep_screenshot(page, shot.name, shot.parent)
    page.locator("button.primary").click()


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_citizen_confirms_the_phone_by_code_and_is_booked(
    browser: Browser,
    verifying_site: str,
    providers: Providers,
    tmp_path: Path,
    language: str,
    javascript: bool,
) -> None:
    site = verifying_site
    catalog = translations(language)
    _ = catalog.gettext
    mode = f"{language}-{'js' if javascript else 'nojs'}"
    page = phone(browser, language, javascript=javascript)

    _fill_details(page, site, tmp_path / f"phone-code-{mode}-0-details")

    expect(page.locator("h1")).to_have_text(_("Confirm your phone number"))
    expect(page.locator("main")).to_contain_text(TYPED_PHONE)
    assert page.evaluate("document.documentElement.lang") == language
    fits_the_screen(page)
    keep_screenshot(page, f"phone-code-{mode}-1-asked", tmp_path)
    first = _code(providers, 1)
    code_sms = _("Kezek code: %(code)s. It works for 10 minutes. Do not give it to anyone.")
    assert providers.sms.delivered[0]["text"] == code_sms % {"code": first}
    assert providers.sms.delivered[0]["to"] == NUMBER

    # A wrong code: said beside the code field, in the page's language; the rest is kept.
    page.locator("#code").fill(f"{(int(first) + 1) % 10**6:06d}")
    page.locator("button.primary").click()
    field = page.locator(".field.invalid", has=page.locator("#code"))
    left = MAX_TRIES - 1
    wrong = catalog.ngettext(
        "The code is not right. Check the SMS and type its 6 digits (%(num)d try left).",
        "The code is not right. Check the SMS and type its 6 digits (%(num)d tries left).",
        left,
    ) % {"num": left}
    expect(field.locator("#code-error")).to_have_text(wrong)
    expect(field.locator("#code-error")).to_be_in_viewport()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone")).to_have_value(TYPED_PHONE)  # the number, to change it
    fits_the_screen(page)
    keep_screenshot(page, f"phone-code-{mode}-2-wrong", tmp_path)

    # A new code: the page says it is coming, and the new one books.
    page.locator("button", has_text=_("Send the code again")).click()
    expect(page.locator("p.ok[role=status]")).to_have_text(
        _("A new code is on its way. The codes sent before it no longer work.")
    )
    keep_screenshot(page, f"phone-code-{mode}-3-sent-again", tmp_path)
    second = _code(providers, 2)
    page.locator("#code").fill(second)
    page.locator("button.primary").click()

    expect(page.locator("h1")).to_have_text(_("You are booked"))
    reference = page.locator(".reference strong").inner_text()
    expect(page.locator("dl.facts").first).to_contain_text("Асанов Айбек")
    sent_to = page.locator("#sent-to")
    expect(sent_to).to_contain_text(_("SMS to %(phone)s") % {"phone": masked(NUMBER)})
    expect(sent_to).to_contain_text(_("e-mail to %(address)s") % {"address": masked(MAILBOX)})
    telegram = page.locator("#telegram")
    expect(telegram.locator("h2")).to_have_text(_("Get reminders in Telegram"))
    expect(telegram.locator("a.button")).to_have_attribute(
        "href", re.compile(rf"^https://t\.me/{BOT}\?start=[\w-]+$")
    )
    expect(telegram.locator("svg.qr")).to_be_visible()
    fits_the_screen(page)
    keep_screenshot(page, f"phone-code-{mode}-4-booked", tmp_path)

    # What the page promised arrives: an SMS with the booking's short link, and an e-mail.
    providers.send_due()
    assert MAILBOX in str(providers.smtp.wait_for(1)[0]["To"])
    texts = providers.sms.to(NUMBER)
    link = next(
        found.group()
        for text in texts
        if (found := re.search(rf"{re.escape(site)}/b/[0-9A-Z-]+", text))
    )
    page.goto(link)
    expect(page.locator("#reference")).to_have_value(reference)
    page.locator("#document_number").fill(document(5))
    page.locator("button.primary").click()
    expect(page.locator("h1")).to_have_text(_("Your booking"))
    expect(page.locator(".reference strong")).to_have_text(reference)
    page.context.close()
