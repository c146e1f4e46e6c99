"""A citizen takes a place in today's line from a 360-pixel phone, in Kyrgyz with JavaScript
on and in Russian with it off: from the office's page, the service and the number, the
code from the SMS, then the ticket's page, which says to check in on arrival. At the
office the citizen types the door's code, read off the kiosk's screen, and the page says
to wait for the number on the board."""

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
from kezek.notify.service import relay_rules, transports
from kezek.staff.models import Role
from tests.fakes import FakeSmsGateway, FakeTelegram
from tests.fakes.fixtures import pointed_at, provider_env
from tests.integration.staff.helpers import make_staff
from tests.integration.web.line_pages import line_network, load
from tests.server import free_port, thread_server

from .people import PHONE, fits_the_screen, keep_screenshot, phone, sign_in
from .test_accessibility import _violations as violations

MODES = [
    pytest.param("ky", True, id="ky-javascript"),
    pytest.param("ru", False, id="ru-no-javascript"),
]
TYPED_PHONE = "+996 555 123 456"
NUMBER = "+996555123456"
BOT = "kezek_test_bot"


@dataclass(frozen=True)
class Providers:
    sms: FakeSmsGateway
    telegram: FakeTelegram
    relay: Relay

    def code(self, count: int) -> str:
        """The code in the ``count``-th SMS the gateway delivered."""
        for _ in range(50):
            done = self.relay.run_once()
            if not done.claimed:
                break
            if done.deferred:
                time.sleep(0.1)
        text = self.sms.wait_for(count)[count - 1]["text"]
        found = re.search(r"\b\d{6}\b", text)
        assert found, text
        return found.group()


@pytest.fixture
def providers(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Providers]:
    sms = FakeSmsGateway().started()
    telegram = FakeTelegram(username=BOT).started()
    configured = pointed_at(settings, sms=sms, telegram=telegram)
    relay = Relay(
        sessions=sessions, transports=transports(configured), rules=relay_rules(configured)
    )
    try:
        yield Providers(sms, telegram, relay)
    finally:
        sms.stop()
        telegram.stop()


@pytest.fixture
def line_site(
    server_env: dict[str, str], providers: Providers, sessions: sessionmaker[Session]
) -> Iterator[str]:
    """``kezek serve`` where the Bishkek office gives places in its line to phones all day,
    with SMS and Telegram on."""
    load(sessions, line_network())
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **server_env,
        **provider_env(sms=providers.sms, telegram=providers.telegram),
        "KEZEK_PUBLIC_URL": base,
        "KEZEK_KIOSK_RECEIPT_SECONDS": "3",  # the kiosk's screen is the next person's soon
    }
    with thread_server(env=env, port=port):
        yield base


def _take_a_place(page: Page, site: str, providers: Providers, shots: Path, mode: str) -> None:
    _ = translations(mode[:2]).gettext
    page.goto(f"{site}/book/bsk")
    offer = page.locator(".line-from-phone")
    expect(offer.locator("h2")).to_have_text(_("Take a place in today's line from your phone"))
    fits_the_screen(page)
    keep_screenshot(page, f"line-{mode}-0-office", shots)
    offer.locator("a.button").click()

    expect(page.locator("h1")).to_have_text(_("A place in today's line, from your phone"))
    page.locator("label.choice", has=page.locator("input[value=long]")).click()
    page.locator("#phone").fill(TYPED_PHONE)
    fits_the_screen(page)
    keep_screenshot(page, f"line-{mode}-1-form", shots)
    page.locator("button.primary").click()

    expect(page.locator("h1")).to_have_text(_("Confirm your phone number"))
    expect(page.locator("main")).to_contain_text(TYPED_PHONE)
    fits_the_screen(page)
    keep_screenshot(page, f"line-{mode}-2-code", shots)
    page.locator("#code").fill(providers.code(1))
    page.locator("button.primary").click()


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_citizen_takes_a_place_from_the_phone_and_checks_in_at_the_door(
    browser: Browser,
    line_site: str,
    providers: Providers,
    tmp_path: Path,
    language: str,
    javascript: bool,
) -> None:
    site = line_site
    _ = translations(language).gettext
    mode = f"{language}-{'js' if javascript else 'nojs'}"
    page = phone(browser, language, javascript=javascript)

    _take_a_place(page, site, providers, tmp_path, mode)

    expect(page.locator("h1")).to_have_text(_("Your ticket"))
    expect(page.locator(".ticket .big")).to_have_text("L-001")
    expect(page.locator(".check-in-first")).to_have_text(
        _("You are in the line.")
        + " "
        + _(
            "You will be called only after you check in at the office: at the kiosk (your "
            "ticket's number and the last 4 digits of your phone), or type here the door "
            "code shown on the kiosk's screen."
        )
    )
    expect(page.locator("#door_code")).to_have_attribute("inputmode", "numeric")
    expect(page.locator("#telegram a.button")).to_have_attribute(
        "href", re.compile(rf"^https://t\.me/{BOT}\?start=[\w-]+$")
    )
    expect(page.locator("#telegram svg.qr")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == language
    fits_the_screen(page)
    keep_screenshot(page, f"line-{mode}-3-ticket", tmp_path)

    # At the office: the kiosk's idle screen shows the door's code in large digits.
    hall = browser.new_context(locale=language, viewport={"width": 800, "height": 1280})
    kiosk = hall.new_page()
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    door = kiosk.locator(".door-code .door-digits").inner_text()
    assert re.fullmatch(r"\d{4}", door), door
    keep_screenshot(kiosk, f"line-{mode}-4-kiosk", tmp_path)
    hall.close()

    # A wrong code first: said beside the field, what was typed kept.
    wrong = f"{(int(door) + 1) % 10_000:04d}"
    page.locator("#door_code").fill(wrong)
    page.locator("#door-check-in button.primary").click()
    expect(page.locator("#door_code-error")).to_contain_text(
        _("This is not today's code. Type the 4 digits shown on the kiosk's screen by the door.")
    )
    expect(page.locator("#door_code")).to_have_value(wrong)
    fits_the_screen(page)
    keep_screenshot(page, f"line-{mode}-5-wrong-door-code", tmp_path)

    page.locator("#door_code").fill(door)
    page.locator("#door-check-in button.primary").click()

    expect(page.locator(".ticket .ok")).to_have_text(
        _("You are checked in. Wait for your number on the board.")
    )
    expect(page.locator("#door_code")).to_have_count(0)
    fits_the_screen(page)
    keep_screenshot(page, f"line-{mode}-6-checked-in", tmp_path)
    page.context.close()


def test_a_citizen_checks_in_at_the_kiosk_with_the_tickets_number_and_the_phones_digits(
    browser: Browser, line_site: str, providers: Providers, tmp_path: Path
) -> None:
    site = line_site
    _ = translations("ru").gettext
    page = phone(browser, "ru")
    page.clock.install()  # the test runs the ticket block's 20-second timer itself
    _take_a_place(page, site, providers, tmp_path, "ru-kiosk")
    expect(page.locator(".ticket .big")).to_have_text("L-001")

    hall = browser.new_context(locale="ru", viewport={"width": 800, "height": 1280})
    kiosk = hall.new_page()
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    kiosk.locator("a.kiosk-group", has_text=_("I took a ticket on my phone")).click()
    expect(kiosk.locator("h1")).to_have_text(_("I took a ticket on my phone"))
    kiosk.locator("#code").fill("l1")  # as typed in a hurry: the kiosk reads it as L-001
    kiosk.locator("#phone_last4").fill("3457")
    kiosk.locator("button.kiosk-button").click()
    expect(kiosk.locator("#phone_last4-error")).to_contain_text(
        _("These are not the last 4 digits of the phone number that took this ticket. Check them.")
    )
    expect(kiosk.locator("#code")).to_have_value("l1")
    keep_screenshot(kiosk, "line-ru-kiosk-5-wrong-digits", tmp_path)
    kiosk.locator("#phone_last4").fill("3456")
    kiosk.locator("button.kiosk-button").click()

    expect(kiosk.locator(".receipt h1")).to_have_text(_("You are checked in"))
    expect(kiosk.locator(".receipt-code")).to_have_text("L-001")
    keep_screenshot(kiosk, "line-ru-kiosk-6-checked-in", tmp_path)
    # The screen gives itself back to the next person, its door code showing again.
    expect(kiosk.locator(".door-code .door-digits")).to_be_visible(timeout=10_000)
    hall.close()

    # The phone's page, refreshing itself, says so and drops the door's form.
    page.clock.run_for(21_000)
    expect(page.locator(".ticket .ok")).to_have_text(
        _("You are checked in. Wait for your number on the board.")
    )
    expect(page.locator("#door_code")).to_have_count(0)
    fits_the_screen(page)
    keep_screenshot(page, "line-ru-kiosk-7-phone", tmp_path)
    page.context.close()


def test_the_line_pages_have_no_serious_accessibility_violations(
    browser: Browser, line_site: str, providers: Providers
) -> None:
    # axe-core is loaded by the test, so the page's own policy must let this one script in.
    context = browser.new_context(locale="ky", bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    page.goto(f"{line_site}/line/bsk")
    found["the line's form"] = violations(page)
    page.locator("button.primary").click()  # nothing chosen: the errors beside the fields
    page.locator("#phone-error").wait_for()
    found["the form with errors"] = violations(page)
    page.locator("label.choice").first.click()
    page.locator("#phone").fill(TYPED_PHONE)
    page.locator("button.primary").click()
    page.locator("#code").wait_for()  # the code is in the outbox once the page asks for it
    page.locator("#code").fill(providers.code(1))
    found["the code"] = violations(page)
    page.locator("button.primary").click()
    page.locator("#door_code").fill("12")  # too short: said beside the field
    page.locator("#door-check-in button.primary").click()
    page.locator("#door_code-error").wait_for()
    found["the ticket, a short door code"] = violations(page)
    context.close()

    assert {name: v for name, v in found.items() if v} == {}
