"""How the browser tests come to the pages: on a phone, signed in, in a language."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.factories import local_day
from tests.integration.staff.helpers import PASSWORD

PHONE = {"width": 360, "height": 740}  # a cheap Android phone


def phone(browser: Browser, language: str, *, javascript: bool = True) -> Page:
    """A new page on a 360-pixel screen, the browser asking for ``language``."""
    context = browser.new_context(viewport=PHONE, locale=language, java_script_enabled=javascript)
    return context.new_page()


def tomorrows_times(site: str) -> str:
    """The long service's times page at tomorrow's times, all of them to come whatever the
    hour. Today's first time stops being bookable when the booking notice passes it, every
    ten minutes (the test network's slots): picked a second before, it is refused when the
    details page opens or the form is sent."""
    return f"{site}/book/bsk/long?day={local_day(days_ahead=1).isoformat()}"


def choose_tomorrow(page: Page) -> None:
    """On a times page reached by its links: tomorrow chosen, as a citizen taps it (in the
    next week's list when today is the week's last day). Once the page has opened at
    tomorrow it is not tapped again: its answer could otherwise come after the time tapped
    next, and the check that tomorrow is chosen would pass on the page it replaces."""
    day = f"day={local_day(days_ahead=1).isoformat()}"
    tomorrow = page.locator(f'.days a[href$="{day}"]')
    if tomorrow.count() and tomorrow.get_attribute("aria-current") == "date":
        return  # after hours the page opens at tomorrow: a citizen goes on to its times
    if tomorrow.count():
        tomorrow.click()
    else:
        page.locator("a[rel=next]").click()  # the week's first day with places: tomorrow
    expect(page.locator(".days a[aria-current=date]")).to_have_attribute(
        "href", re.compile(re.escape(day) + "$")
    )


def book_tomorrow(page: Page, site: str, number: str) -> None:
    """Tomorrow's first time of the long service booked on the pages, as a citizen does,
    with document ``number``; the page is the booking's own once this returns."""
    page.goto(tomorrows_times(site))
    page.locator(".times a").first.click()
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(number)
    page.locator("button.primary").click()
    expect(page.locator(".reference strong")).to_be_visible()


def ask_to_cancel(page: Page, site: str, number: str) -> str:
    """A booking made as ``book_tomorrow`` makes it, and its "cancel?" page opened from its
    link, which this returns."""
    book_tomorrow(page, site, number)
    link = page.locator("a.danger-link").get_attribute("href")
    assert link
    page.locator("a.danger-link").click()
    expect(page.locator("button.danger")).to_be_visible()
    return link


def fits_the_screen(page: Page) -> None:
    """Nothing sticks out sideways: a phone user would have to scroll right to read it."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def ticket_address(site: str, clerk: httpx.Client) -> tuple[str, int]:
    """A walk-in ticket for the quick service, issued through the API: its page's address
    (as its receipt's QR code gives it) and its id."""
    issued = clerk.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}).json()
    return f"{site}/ticket/{issued['id']}?s={issued['secret']}", issued["id"]


def sign_in(page: Page, site: str, username: str, then: str) -> None:
    page.goto(f"{site}/staff/login?next={then}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary").click()
    page.wait_for_url(f"{site}{then}")


def keep_screenshot(page: Page, name: str, folder: Path) -> Path:
    """The whole page as a PNG in ``folder`` (the test's own), and in KEZEK_SCREENSHOT_DIR
    too when it is set, for the README and for people to look at."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    wanted = os.environ.get("KEZEK_SCREENSHOT_DIR")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(wanted) / path.name)
    return path
