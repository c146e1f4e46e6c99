"""A citizen applies to a round's draw from a 360-pixel phone, in Kyrgyz with JavaScript on
and in Russian with it off: the round's page, the form, the code from the SMS, the receipt;
after the draw, the SMS's link opens the place won, and the citizen confirms it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kezek.bootstrap import build_context
from kezek.config import Settings
from kezek.i18n.catalogs import translations
from kezek.notify.models import OutboxMessage
from kezek.notify.relay import Relay
from kezek.notify.service import relay_rules, transports
from kezek.rounds import service
from kezek.types import utcnow
from tests.fakes import FakeSmsGateway
from tests.fakes.fixtures import pointed_at, provider_env
from tests.integration.rounds.helpers import Timeline, load_round, round_toml, timeline
from tests.server import free_port, thread_server

from .people import fits_the_screen, keep_screenshot, phone
from .test_accessibility import _violations as violations

MODES = [
    pytest.param("ky", True, id="ky-javascript"),
    pytest.param("ru", False, id="ru-no-javascript"),
]
TYPED_PHONE = "+996 555 123 456"


@dataclass(frozen=True)
class Gateway:
    sms: FakeSmsGateway
    relay: Relay
    settings: Settings  # the server's: SMS on, pointed at the gateway

    def text(self, count: int) -> str:
        """The ``count``-th SMS the gateway delivered."""
        for _ in range(50):
            done = self.relay.run_once()
            if not done.claimed:
                break
            if done.deferred:
                time.sleep(0.1)
        return str(self.sms.wait_for(count)[count - 1]["text"])


@pytest.fixture
def gateway(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Gateway]:
    sms = FakeSmsGateway().started()
    configured = pointed_at(settings, sms=sms)
    relay = Relay(
        sessions=sessions, transports=transports(configured), rules=relay_rules(configured)
    )
    try:
        yield Gateway(sms, relay, configured)
    finally:
        sms.stop()


@pytest.fixture
def round_site(
    server_env: dict[str, str], gateway: Gateway, sessions: sessionmaker[Session]
) -> Iterator[tuple[str, Timeline]]:
    t = timeline(days=2)
    load_round(sessions, t, round_toml(t, urgent_share=34))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**server_env, **provider_env(sms=gateway.sms), "KEZEK_PUBLIC_URL": base}
    with thread_server(env=env, port=port):
        yield base, t


def _shot(page: Page, name: str, folder: Path) -> None:
    fits_the_screen(page)
    keep_screenshot(page, name, folder)


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_citizen_applies_wins_and_confirms(
    browser: Browser,
    round_site: tuple[str, Timeline],
    gateway: Gateway,
    tmp_path: Path,
    language: str,
    javascript: bool,
) -> None:
    site, t = round_site
    _ = translations(language).gettext
    mode = f"{language}-{'js' if javascript else 'nojs'}"
    page = phone(browser, language, javascript=javascript)

    page.goto(f"{site}/rounds")
    page.locator("ul.choices a").first.click()
    expect(page.locator("h1")).to_have_text(
        "Жазгы тартуу" if language == "ky" else "Весенний розыгрыш"
    )
    _shot(page, f"draw-{mode}-0-round", tmp_path)
    page.locator("a.button.primary").click()

    expect(page.locator("h1")).to_have_text(_("Apply for a place"))
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#document_number").fill("AC 1234567")
    page.locator("#phone").fill(TYPED_PHONE)
    page.locator("#legal_stay_until").fill(t.day(1).strftime("%d.%m.%Y"))
    page.locator("#choice1_day").select_option(t.day(0).isoformat())
    page.locator("#choice2_place").select_option("tiny/long")
    page.locator("#choice2_day").select_option(f"week:{t.day(0).isoformat()}")
    _shot(page, f"draw-{mode}-1-form", tmp_path)
    page.locator("button.primary").click()

    expect(page.locator("h1")).to_have_text(_("Confirm your phone number"))
    code = re.search(r"\b\d{6}\b", gateway.text(1))
    assert code
    page.locator("#code").fill(code.group())
    page.locator("button.primary").click()

    expect(page.locator("h1")).to_have_text(_("Application received"))
    expect(page.locator("ol.documents li")).to_have_count(2)
    _shot(page, f"draw-{mode}-2-received", tmp_path)
    if javascript:  # axe needs a browser that runs scripts; once per server is enough
        _no_serious_accessibility_violations(browser, site)

    context = build_context(gateway.settings.model_copy(update={"public_url": site}))
    service.draw(context, code="spring", now=t.draws)
    # The draw ran at its time, two hours on; the test's clock has not moved: its messages
    # are sent now.
    with context.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(due_at=utcnow()))
    won = gateway.text(2)
    link = re.search(r"https?://\S+/b/\w+", won)
    assert link, won
    page.goto(link.group())
    page.locator("#document_number").fill("AC1234567")
    page.locator("button.primary").click()
    expect(page.locator("#confirm .warning")).to_be_visible()
    _shot(page, f"draw-{mode}-3-won", tmp_path)
    page.locator("#confirm button.primary").click()
    expect(page.locator("h1")).to_have_text(_("Your place is confirmed"))
    expect(page.locator("#confirm")).to_have_count(0)
    _shot(page, f"draw-{mode}-4-confirmed", tmp_path)
    page.context.close()


def _no_serious_accessibility_violations(browser: Browser, site: str) -> None:
    found: dict[str, list[str]] = {}
    for language in ("ky", "ru"):
        # axe-core is loaded by the test, so the page's policy must let this one script in.
        context = browser.new_context(locale=language, bypass_csp=True)
        page = context.new_page()
        for path in ("/rounds", "/rounds/spring", "/rounds/spring/apply", "/rounds/spring/verify"):
            page.goto(site + path)
            found[f"{language} {path}"] = violations(page)
        page.goto(site + "/rounds/spring/apply")
        page.locator("button.primary").click()  # empty form: the errors beside the fields
        page.locator(".error-summary").wait_for()
        found[f"{language} apply with errors"] = violations(page)
        context.close()
    assert {path: v for path, v in found.items() if v} == {}
