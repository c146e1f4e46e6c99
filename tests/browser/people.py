"""How the browser tests come to the pages: on a phone, signed in, in a language."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.integration.staff.helpers import PASSWORD

PHONE = {"width": 360, "height": 740}  # a cheap Android phone


def phone(browser: Browser, language: str, *, javascript: bool = True) -> Page:
    """A new page on a 360-pixel screen, the browser asking for ``language``."""
    context = browser.new_context(viewport=PHONE, locale=language, java_script_enabled=javascript)
    return context.new_page()


def fits_the_screen(page: Page) -> None:
    """Nothing sticks out sideways: a phone user would have to scroll right to read it."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


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
