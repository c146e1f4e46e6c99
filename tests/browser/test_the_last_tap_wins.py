"""On a slow connection a citizen taps a day, then a time before the day's page has come:
the page they land on is the one they tapped last, as with a browser's own links. And the
ticket page's own asking every 20 seconds never cancels the page its holder tapped, nor
the kiosk's asking for its door code a ticket being issued. A form tapped twice is sent
once: the second tap would find the booking already cancelled by the first. Back, pressed
while a page is coming, shows the page gone back to, not the late one under its address.

With JavaScript on, HTMX fetches each page; without a rule for requests in flight, both
answers were put on the screen in the order they came, so a late day's page covered the
booking form the citizen had already started to fill in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Browser, Page, Request, Route, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.factories import document, local_day
from tests.integration.staff.helpers import make_staff
from tests.integration.web.line_pages import line_network, load

from .people import ask_to_cancel, phone, sign_in, ticket_address


def _held_back(page: Page, address: str) -> list[Route]:
    """The requests to ``address``, kept unanswered until the test lets each go."""
    held: list[Route] = []

    def keep_back(route: Route) -> None:
        held.append(route)

    page.route(address, keep_back)
    return held


def _asked_again(path: str) -> Callable[[Request], bool]:
    def asking(request: Request) -> bool:
        return path in request.url and request.headers.get("hx-request") == "true"

    return asking


def test_a_time_tapped_while_the_days_page_is_still_coming_stays_on_the_screen(
    browser: Browser, site: str
) -> None:
    page = phone(browser, "ky-KG")
    page.goto(f"{site}/book/bsk/long?day={local_day(days_ahead=1).isoformat()}")
    other_day = page.locator(".days a:not([aria-current])").first
    address = site + str(other_day.get_attribute("href"))
    held = _held_back(page, address)  # its answer, until the time's page is on the screen

    with page.expect_request(address):
        other_day.click()
    page.locator(".times a").first.click()
    expect(page.locator("#full_name")).to_be_visible()
    page.locator("#full_name").fill("Асанов Айбек")

    assert len(held) == 1
    held[0].continue_()  # the late answer comes now: the browser has already let it go
    page.wait_for_load_state("networkidle")
    expect(page.locator("#full_name")).to_have_value("Асанов Айбек")
    expect(page.locator(".times")).to_have_count(0)


def test_the_ticket_page_asking_again_does_not_cancel_a_tapped_link(
    browser: Browser, site: str, clerk: httpx.Client
) -> None:
    address, _ = ticket_address(site, clerk)
    page = phone(browser, "ru")
    page.clock.install()  # the test runs the block's 20-second timer itself
    page.goto(address)
    expect(page.locator(".ticket")).to_have_attribute("data-status", "waiting")
    held = _held_back(page, site + "/")  # the tapped page, until the block has asked again

    with page.expect_request(site + "/"):
        page.locator("a.brand").click()
    with page.expect_request(_asked_again("/ticket/")):
        page.clock.run_for(21_000)
    assert len(held) == 1
    held[0].continue_()

    expect(page).to_have_url(site + "/")
    expect(page.locator(".ticket")).to_have_count(0)


def test_the_kiosk_asking_for_its_door_code_does_not_cancel_a_ticket_being_issued(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    load(sessions, line_network())  # the office gives places to phones: a door code
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    kiosk = browser.new_context(locale="ky", viewport={"width": 800, "height": 1280}).new_page()
    kiosk.clock.install()  # the test runs the door code's five-minute timer itself
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    held = _held_back(kiosk, site + "/kiosk/bsk/ticket")  # until the door code is asked for

    with kiosk.expect_request(site + "/kiosk/bsk/ticket"):
        kiosk.locator("button.kiosk-button").first.click()
    with kiosk.expect_request(_asked_again("/kiosk/bsk/door-code")):
        kiosk.clock.run_for(301_000)
    assert len(held) == 1
    held[0].continue_()

    expect(kiosk.locator(".receipt-code")).to_have_text(re.compile(r"^[A-Z]-001$"))


def test_a_cancel_tapped_twice_is_sent_once_and_says_it_is_done(
    browser: Browser, site: str
) -> None:
    page = phone(browser, "ru")
    ask_to_cancel(page, site, document(5))
    sent: list[str] = []

    def counted(request: Request) -> None:
        if request.method == "POST":
            sent.append(request.url)

    page.on("request", counted)

    page.locator("button.danger").dblclick()  # an impatient thumb on a slow network

    expect(page.locator("h1")).to_have_text("Запись отменена")
    assert len(sent) == 1, sent


def test_back_while_a_page_is_coming_stays_on_the_page_gone_back_to(
    browser: Browser, site: str
) -> None:
    page = phone(browser, "ky-KG")
    page.goto(site + "/")
    page.locator('a[href="/book/bsk"]').click()
    expect(page.locator('a[href="/book/bsk/long"]')).to_be_visible()
    held = _held_back(page, site + "/book/bsk/long")  # the service's times, still coming

    with page.expect_request(site + "/book/bsk/long"):
        page.locator('a[href="/book/bsk/long"]').click()
    page.go_back()
    expect(page.locator('a[href="/book/bsk"]')).to_be_visible()  # the offices again
    assert len(held) == 1
    held[0].continue_()  # the late answer comes now: it was let go
    page.wait_for_load_state("networkidle")

    expect(page).to_have_url(site + "/")
    expect(page.locator('a[href="/book/bsk"]')).to_be_visible()
    expect(page.locator(".days")).to_have_count(0)
