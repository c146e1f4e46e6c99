"""The staff pages speak Kyrgyz and Russian through and through: ticket states, roles, the
audit log's events, the network file's load summary; no English word is left on them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.factories import NETWORK_TOML
from tests.integration.staff.helpers import make_staff

from .conftest import signed_in
from .people import sign_in

# Words the pages once showed raw; the codes of offices and services are not words.
ENGLISH = re.compile(
    r"\b(open|paused|called|serving|waiting|done|no_show|admin|manager|clerk|kiosk|issued|"
    r"start|finish|recall|requeue|transfer|created|updated|deactivated|office|service|"
    r"window|group|Show|Event|Staff|Loaded|Nothing)\b"
)


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_no_english_is_left_on_the_staff_pages(
    browser: Browser, site: str, sessions: sessionmaker[Session], tmp_path: Path, language: str
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    with signed_in(site, "door") as http:
        http.post("/api/v1/offices/bsk/tickets", json={"service": "quick"})
    page = browser.new_context(locale=language, viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, site, "root", "/staff")
    seen: dict[str, str] = {"/staff": page.inner_text("main")}
    page.goto(f"{site}/console/bsk")
    page.locator("button.primary").click()  # open window 1
    page.locator("button[data-key='n']").wait_for()
    page.keyboard.press("n")
    page.locator(".current .big").wait_for()
    seen["console, called"] = page.inner_text("main")
    page.keyboard.press("s")
    page.locator("button[data-key='f']").wait_for()
    seen["console, serving"] = page.inner_text("main")
    reloaded = tmp_path / "net.toml"
    reloaded.write_text(NETWORK_TOML.replace('en = "Bishkek office"', 'en = "Bishkek"', 1))
    page.goto(f"{site}/admin/network")
    page.locator("#file").set_input_files(str(reloaded))
    page.locator("button.primary").click()
    page.locator("[role=status]").wait_for()
    seen["network loaded"] = page.inner_text("main")
    for path in ("/admin/staff", "/admin/audit", "/dashboard"):
        page.goto(site + path)
        seen[path] = page.inner_text("main")
    page.context.close()

    left = {where: ENGLISH.findall(words) for where, words in seen.items()}
    assert {where: words for where, words in left.items() if words} == {}
    assert "Талон выдан" in seen["/admin/audit"] or "Талон берилди" in seen["/admin/audit"]
