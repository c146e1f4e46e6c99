"""What the first tries in the hall found, as staff see it in a browser: the language switch
on a kiosk receipt stays on the kiosk, buttons for JavaScript stay hidden without it, the
wall board shows its six calls whole on a 1080p screen, the console has a way out, and a
manager closes a window a clerk left open."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import make_staff

from .conftest import screenshot_path
from .people import phone, sign_in


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_receipts_language_switch_stays_on_the_kiosk(
    browser: Browser, site: str, sessions: sessionmaker[Session], javascript: bool
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    context = browser.new_context(
        locale="ru", viewport={"width": 800, "height": 1280}, java_script_enabled=javascript
    )
    kiosk = context.new_page()
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    kiosk.locator("button.kiosk-button", has_text="Быстрая услуга").click()
    expect(kiosk.locator(".receipt-code")).to_have_text("Q-001")
    # The print button needs JavaScript: without it, it is not shown at all.
    expect(kiosk.locator("#print-again")).to_be_visible() if javascript else expect(
        kiosk.locator("#print-again")
    ).to_be_hidden()

    kiosk.locator(".languages a[lang=ky]").click()

    expect(kiosk.locator("h1")).to_have_text("Талон алыңыз")
    assert kiosk.url.endswith("/kiosk/bsk")
    assert kiosk.evaluate("document.documentElement.lang") == "ky"
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_board_shows_six_calls_whole_on_a_wall_screen(
    browser: Browser, site: str, sessions: sessionmaker[Session], javascript: bool
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    for _ in range(10):
        walk_in(sessions, now=utcnow())
    clerk = browser.new_context(locale="ru").new_page()
    sign_in(clerk, site, "aibek", "/console/bsk")
    clerk.locator("button.primary", has_text="Открыть окно").click()
    for n in range(1, 11):  # call, then "no-show, call next": ten calls at one window
        clerk.locator("button[data-key='n'], button[data-key='x']").first.click()
        # Each call must land before the next click, or a click on a page being replaced
        # is lost.
        expect(clerk.locator(".current .big")).to_have_text(f"Q-{n:03d}", timeout=10_000)

    wall = browser.new_context(
        locale="ru", viewport={"width": 1920, "height": 1080}, java_script_enabled=javascript
    )
    board = wall.new_page()
    board.goto(f"{site}/board/bsk?languages=ru,ky")

    calls = board.locator("#calls li")
    expect(calls.nth(5)).to_be_visible()
    bottom = board.evaluate(
        "Math.max(...[...document.querySelectorAll('#calls li')]"
        ".filter(li => li.offsetParent).map(li => li.getBoundingClientRect().bottom))"
    )
    assert bottom <= 1080, f"the sixth call ends at {bottom} px, below the screen"
    if not javascript:  # the bell and full screen need JavaScript
        expect(board.locator("#chime")).to_be_hidden()
        expect(board.locator("#full-screen")).to_be_hidden()
    board.screenshot(path=screenshot_path(f"board-1080p-{'js' if javascript else 'nojs'}"))
    for page in (clerk, board):
        page.context.close()


def test_a_manager_closes_a_window_a_clerk_left_open_and_the_clerk_can_leave(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    walk_in(sessions, now=utcnow())
    clerk = phone(browser, "ru")
    sign_in(clerk, site, "aibek", "/console/bsk")
    clerk.locator("button.primary", has_text="Открыть окно").click()
    clerk.locator("button[data-key='n']").click()
    expect(clerk.locator(".current .big")).to_have_text("Q-001")
    # The clerk leaves: the console's foot signs out.
    clerk.locator(".way-out button", has_text="Выйти").click()
    expect(clerk.locator("h1")).to_have_text("Вход для сотрудников")

    manager = phone(browser, "ru")
    sign_in(manager, site, "gulnara", "/dashboard")
    manager.locator("a[href='/dashboard/windows/bsk']").click()
    expect(manager.locator("table")).to_contain_text("Q-001")
    manager.locator("button.danger", has_text="Закрыть окно").click()

    expect(manager.locator("[role=status]")).to_have_text("Окно 1 закрыто.")
    expect(manager.locator("main")).to_contain_text("Ни одно окно не открыто.")
    manager.screenshot(path=screenshot_path("windows-closed-ru"), full_page=True)
    for page in (clerk, manager):
        page.context.close()
