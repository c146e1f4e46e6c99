"""The whole hall in a browser: the kiosk prints a ticket, the clerk presses N, the board
on the wall shows the call within two seconds."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .conftest import screenshot_path


def _sign_in(page: Page, site: str, username: str, then: str) -> None:
    page.goto(f"{site}/staff/login?next={then}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary").click()
    page.wait_for_url(f"{site}{then}")


def test_kiosk_then_clerk_then_board(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "kiosk", Role.clerk, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    hall = browser.new_context(locale="ru", viewport={"width": 1280, "height": 720})
    board = hall.new_page()
    board.goto(f"{site}/board/bsk?languages=ru,ky")

    kiosk_context = browser.new_context(locale="ky", viewport={"width": 800, "height": 1280})
    kiosk = kiosk_context.new_page()
    _sign_in(kiosk, site, "kiosk", "/kiosk/bsk")
    kiosk.locator("button.kiosk-button", has_text="Тез кызмат").click()
    expect(kiosk.locator(".receipt-code")).to_have_text("Q-001")
    kiosk.screenshot(path=screenshot_path("kiosk-receipt"))

    clerk_context = browser.new_context(locale="ru")
    clerk = clerk_context.new_page()
    _sign_in(clerk, site, "aibek", "/console/bsk")
    clerk.locator("button.primary", has_text="Открыть окно").click()
    expect(clerk.locator("button[data-key='n']")).to_be_visible()
    called_at = time.monotonic()
    clerk.keyboard.press("n")
    expect(board.locator("#calls li.newest .code")).to_have_text("Q-001", timeout=2000)
    shown_after = time.monotonic() - called_at
    expect(clerk.locator(".current .big")).to_have_text("Q-001")
    clerk.screenshot(path=screenshot_path("clerk-console"))
    clerk.keyboard.press("s")
    expect(clerk.locator(".current")).to_contain_text("serving")
    clerk.keyboard.press("f")
    expect(clerk.locator(".current")).to_contain_text("У вашего окна нет талона.")

    assert shown_after < 2.0
    for context in (hall, kiosk_context, clerk_context):
        context.close()
