"""On the holder's 360-pixel phone, the ticket's page asks again while the ticket waits or is
at a window, and stops once the ticket is served: with JavaScript on (the block asks every
20 seconds) and off (the page refreshes itself), in Kyrgyz and in Russian."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, expect

from .conftest import screenshot_path
from .people import ticket_address

SAYS = {
    "ky": {
        "updates": "Бул барак өзү жаңыланат",
        "served": "Сизге кызмат көрсөтүлдү. Рахмат.",
        "wrong": "Бул талон шилтемеси иштебейт",
    },
    "ru": {
        "updates": "Эта страница обновляется сама",
        "served": "Вас обслужили. Спасибо.",
        "wrong": "Эта ссылка на талон не работает",
    },
}
REFRESH = "noscript meta[http-equiv=refresh]"


def _served(clerk: httpx.Client, ticket_id: int) -> None:
    for action in ("start", "finish"):
        clerk.post(f"/api/v1/tickets/{ticket_id}/{action}")


def _phone(browser: Browser, language: str, *, javascript: bool) -> Page:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale=language, java_script_enabled=javascript
    )
    return context.new_page()


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_the_block_stops_asking_once_the_ticket_is_served(
    browser: Browser, site: str, clerk: httpx.Client, language: str
) -> None:
    says = SAYS[language]
    address, ticket_id = ticket_address(site, clerk)
    phone = _phone(browser, language, javascript=True)
    phone.clock.install()  # the test runs the page's timers 20 seconds ahead at a time
    asks: list[str] = []

    def counted(request: Request) -> None:
        if request.headers.get("hx-request") == "true":
            asks.append(request.url)

    phone.on("request", counted)
    phone.goto(address)
    expect(phone.locator(".place")).to_contain_text("1")
    expect(phone.locator("#page-note")).to_contain_text(says["updates"])

    clerk.post("/api/v1/offices/bsk/windows/1/call-next")
    phone.clock.run_for(21_000)
    expect(phone.locator(".called")).to_contain_text("1")
    _served(clerk, ticket_id)
    phone.clock.run_for(20_000)
    expect(phone.locator(".ticket")).to_have_attribute("data-status", "done")
    expect(phone.locator(".ticket")).to_contain_text(says["served"])
    # It no longer updates itself, so it no longer says so.
    expect(phone.locator("#page-note")).to_be_hidden()
    asked_until_served = len(asks)
    phone.screenshot(path=screenshot_path(f"my-ticket-served-{language}"))
    for _ in range(6):  # two minutes more with the page open
        phone.clock.run_for(20_000)
        phone.wait_for_timeout(100)

    assert asked_until_served == 2
    assert len(asks) == asked_until_served
    phone.context.close()


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_without_javascript_the_page_stops_refreshing_once_served(
    browser: Browser, site: str, clerk: httpx.Client, language: str
) -> None:
    says = SAYS[language]
    address, ticket_id = ticket_address(site, clerk)
    phone = _phone(browser, language, javascript=False)

    phone.goto(address)
    expect(phone.locator(".place")).to_contain_text("1")
    expect(phone.locator(REFRESH)).to_have_count(1)
    expect(phone.locator("#page-note")).to_contain_text(says["updates"])
    clerk.post("/api/v1/offices/bsk/windows/1/call-next")
    _served(clerk, ticket_id)
    phone.reload()  # as its own refresh would, 30 seconds on

    expect(phone.locator(".ticket")).to_contain_text(says["served"])
    expect(phone.locator(REFRESH)).to_have_count(0)
    expect(phone.locator("#page-note")).to_have_count(0)
    phone.screenshot(path=screenshot_path(f"my-ticket-served-{language}-no-javascript"))
    # A link typed wrong from the receipt says so, in the holder's language.
    phone.goto(address.replace("?s=", "?s=X"))
    expect(phone.locator("main")).to_contain_text(says["wrong"])
    phone.context.close()
