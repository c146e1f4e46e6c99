"""An impatient thumb taps "Yes, cancel the booking" twice on a 360-pixel phone: the page
says the booking is cancelled, not that it did not work. With JavaScript on the second tap
is not sent (tests/browser/test_the_last_tap_wins.py counts the requests); with it off,
whether the browser sends the form again depends on the moment, and a form sent again is
answered as the first (tests/integration/web/test_cancel_sent_twice.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from kezek.i18n.catalogs import translations
from tests.factories import document

from .conftest import screenshot_path
from .people import ask_to_cancel, fits_the_screen, phone

MODES = [
    pytest.param("ky", False, id="ky-no-javascript"),
    pytest.param("ru", True, id="ru-javascript"),
]


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_cancel_tapped_twice_says_the_booking_is_cancelled(
    browser: Browser, site: str, language: str, javascript: bool
) -> None:
    _ = translations(language).gettext
    page = phone(browser, language, javascript=javascript)
    ask_to_cancel(page, site, document(6))

    page.locator("button.danger").dblclick()

    expect(page.locator("h1")).to_have_text(_("The booking is cancelled"))
    expect(page.locator("main")).not_to_contain_text(_("It did not work"))
    fits_the_screen(page)
    mode = "js" if javascript else "nojs"
    page.screenshot(path=screenshot_path(f"cancel-twice-{language}-{mode}"), full_page=True)
    page.context.close()
