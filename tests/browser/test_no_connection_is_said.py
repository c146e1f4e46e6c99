"""With JavaScript on, a tap that gets no answer says so (HTMX alone would do nothing), the
page stays as it was, and the next tap that gets through takes the message away; the
ticket page's own asking again says the page is not up to date, not that nothing was sent.
On a 360-pixel phone, in Kyrgyz and in Russian."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect

from tests.factories import local_day

from .conftest import screenshot_path
from .people import phone, ticket_address

SAYS = {
    "ky": {
        "offline": "Байланыш жок: эч нерсе жөнөтүлгөн жок.",
        "stale": "Байланыш жок: бул барак жаңыланган жок.",
    },
    "ru": {
        "offline": "Нет связи: ничего не отправлено.",
        "stale": "Нет связи: страница не обновилась.",
    },
}


def _cut(route: Route) -> None:
    route.abort("internetdisconnected")


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_a_tap_without_a_connection_says_so_and_the_next_one_clears_it(
    browser: Browser, site: str, language: str
) -> None:
    page = phone(browser, language)
    page.goto(f"{site}/book/bsk/long?day={local_day(days_ahead=1).isoformat()}")
    first_time = page.locator(".times a").first
    address = site + str(first_time.get_attribute("href"))
    page.route(address, _cut)

    first_time.click()

    banner = page.locator("#connection")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(SAYS[language]["offline"])
    expect(banner).to_be_in_viewport()
    expect(page.locator(".times")).to_be_visible()  # the page stays as it was
    page.screenshot(path=screenshot_path(f"no-connection-{language}"))
    page.unroute(address)
    first_time.click()
    expect(page.locator("#full_name")).to_be_visible()
    expect(banner).to_be_hidden()
    page.context.close()


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_the_ticket_page_asking_again_without_a_connection_says_it_is_not_up_to_date(
    browser: Browser, site: str, clerk: httpx.Client, language: str
) -> None:
    address, _ = ticket_address(site, clerk)
    page = phone(browser, language)
    page.clock.install()  # the test runs the block's 20-second timer itself
    page.goto(address)
    expect(page.locator(".ticket")).to_have_attribute("data-status", "waiting")
    page.route(f"{site}/ticket/**", _cut)

    page.clock.run_for(21_000)

    banner = page.locator("#connection")
    expect(banner).to_contain_text(SAYS[language]["stale"])
    expect(page.locator(".ticket")).to_have_attribute("data-status", "waiting")
    page.screenshot(path=screenshot_path(f"ticket-not-up-to-date-{language}"))
    page.unroute(f"{site}/ticket/**")
    page.clock.run_for(20_000)
    expect(banner).to_be_hidden()
    page.context.close()
