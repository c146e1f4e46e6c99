"""The pages mended after the tries in the field, on a 360-pixel phone: in Kyrgyz with
JavaScript on (the usual case) and in Russian with it off, error paths included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.i18n.catalogs import translations
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.factories import document
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import PASSWORD, make_staff

from .conftest import screenshot_path
from .people import ask_to_cancel, fits_the_screen, phone

MODES = [
    pytest.param("ky", True, id="ky-javascript"),
    pytest.param("ru", False, id="ru-no-javascript"),
]


def _shot(page: Page, name: str, language: str, javascript: bool) -> None:
    mode = "js" if javascript else "nojs"
    page.screenshot(path=screenshot_path(f"{name}-{language}-{mode}"), full_page=True)


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_citizens_mended_pages(
    browser: Browser, site: str, language: str, javascript: bool
) -> None:
    _ = translations(language).gettext
    page = phone(browser, language, javascript=javascript)

    # A short document number on the lost-reference form: said beside its field, in view.
    page.goto(f"{site}/manage/forgot")
    page.locator("#document_number").fill("AB12")
    page.locator("#phone").fill("+996 555 000 001")
    page.locator("button.primary").click()
    error = page.locator("#document_number-error")
    expect(error).to_have_text(
        _("A document number has 6 to 20 letters and digits. Check it against your passport.")
    )
    expect(error).to_be_in_viewport()
    fits_the_screen(page)
    _shot(page, "forgot-short-document", language, javascript)

    # The last week bookings reach says how far ahead they open.
    page.goto(f"{site}/book/bsk/long")
    for _week in range(12):
        later = page.locator(".week a[rel=next]")
        if not later.count():
            break
        page.goto(site + str(later.get_attribute("href")))
    expect(page.locator(".horizon")).to_contain_text("60")
    fits_the_screen(page)
    _shot(page, "times-last-week", language, javascript)

    # A wrong address: a page in the reader's language, with the way back.
    page.goto(f"{site}/boook")
    expect(page.locator("h1")).to_have_text(_("Page not found"))
    expect(page.locator("main a[href='/']")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == language
    page.context.close()


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_cancelled_bookings_cancel_link_shows_the_booking(
    browser: Browser, site: str, language: str, javascript: bool
) -> None:
    _ = translations(language).gettext
    page = phone(browser, language, javascript=javascript)
    cancel_link = ask_to_cancel(page, site, document(3))
    page.locator("button.danger").click()
    expect(page.locator("h1")).to_have_text(_("The booking is cancelled"))

    page.goto(site + cancel_link)  # the link again, from the history or a bookmark

    assert "/booking/" in page.url
    expect(page.locator("h1")).to_have_text(_("The booking is cancelled"))
    expect(page.locator("button.danger")).to_have_count(0)
    _shot(page, "cancel-link-after-cancelling", language, javascript)
    page.context.close()


@pytest.mark.parametrize(("language", "javascript"), MODES)
def test_a_manager_on_a_phone_signs_in_to_the_audit_log_and_the_windows(
    browser: Browser,
    site: str,
    sessions: sessionmaker[Session],
    language: str,
    javascript: bool,
) -> None:
    _ = translations(language).gettext
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    walk_in(sessions, now=utcnow())
    page = phone(browser, language, javascript=javascript)

    # Sent to sign in from the audit log of one office: signing in leads back there.
    page.goto(f"{site}/admin/audit?office=bsk")
    page.locator("#username").fill("gulnara")
    page.locator("#password").fill("a wrong password")
    page.locator("button.primary").click()
    expect(page.locator("#password-error")).to_have_text(_("Wrong username or password."))
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary").click()
    page.wait_for_url(f"{site}/admin/audit?office=bsk")
    expect(page.locator("h1")).to_have_text(_("Audit log"))
    expect(page.locator("table")).to_contain_text("Q-001")
    fits_the_screen(page)
    _shot(page, "audit-log", language, javascript)

    page.goto(f"{site}/dashboard/windows/bsk")
    expect(page.locator("main")).to_contain_text(_("No window is open."))
    fits_the_screen(page)
    _shot(page, "windows-none-open", language, javascript)
    page.context.close()
