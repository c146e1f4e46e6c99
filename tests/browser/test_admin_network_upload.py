"""An admin loads a network file on a phone: a changed slot grid warns of the bookings it
no longer counts. (A broken file's errors: test_errors_are_seen.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.factories import NETWORK_TOML, booking_body
from tests.integration.staff.helpers import PASSWORD, make_staff

from .conftest import api, screenshot_path

PHONE = {"width": 360, "height": 740}
WARNING = {
    "ky": "bsk мекемеси слоттун узактыгын",
    "ru": "Учреждение bsk изменило длину слота",
}


def _signed_in_admin(browser: Browser, site: str, language: str, *, javascript: bool) -> Page:
    context = browser.new_context(viewport=PHONE, locale=language, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{site}/staff/login?next=/admin/network&lang={language}")
    page.locator("#username").fill("root")
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary").click()
    expect(page.locator("#file")).to_be_attached()
    return page


def _upload(page: Page, path: Path) -> None:
    page.locator("#file").set_input_files(str(path))
    page.locator("button.primary").click()


@pytest.mark.parametrize(("language", "javascript"), [("ky", True), ("ru", False)])
def test_a_new_slot_grid_warns_of_the_bookings_already_made(
    browser: Browser,
    site: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    language: str,
    javascript: bool,
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    with api(site) as http:
        booked = http.post("/api/v1/bookings", json=booking_body())
    assert booked.status_code == 201, booked.text
    regridded = tmp_path / "net.toml"
    regridded.write_text(NETWORK_TOML.replace("slot_minutes = 10", "slot_minutes = 20", 1))
    page = _signed_in_admin(browser, site, language, javascript=javascript)

    _upload(page, regridded)

    warning = page.locator("p.warning")
    expect(warning).to_contain_text(WARNING[language])
    expect(warning).to_be_in_viewport()
    page.screenshot(path=screenshot_path(f"admin-network-warning-{language}"), full_page=True)
