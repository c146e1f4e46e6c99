"""The whole hall in a browser: the kiosk prints tickets (a priority one too), the clerk
works one citizen at a time, the board on the wall shows the calls within two seconds in
two languages, and a lost receipt is printed again."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import make_staff
from tests.server import thread_server

from .conftest import screenshot_path
from .people import phone, sign_in


@pytest.fixture
def hall(server_env: dict[str, str]) -> Iterator[str]:
    """The server with a receipt that clears after four seconds, not a minute: long enough
    to read the receipt on a loaded machine."""
    with thread_server(env={**server_env, "KEZEK_KIOSK_RECEIPT_SECONDS": "4"}) as base:
        yield base


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_kiosk_prints_a_priority_ticket_and_clears_itself(
    browser: Browser, hall: str, sessions: sessionmaker[Session], javascript: bool
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    context = browser.new_context(
        locale="ru", viewport={"width": 800, "height": 1280}, java_script_enabled=javascript
    )
    kiosk = context.new_page()
    sign_in(kiosk, hall, "door", "/kiosk/bsk")
    # Nothing on the kiosk leads away from it but its own languages.
    links = kiosk.locator("a").evaluate_all("links => links.map(link => link.pathname)")
    assert all(path.startswith(("/kiosk/bsk", "/language/")) for path in links), links

    kiosk.locator("a.kiosk-group", has_text="Приоритетная очередь").click()
    expect(kiosk.locator("h1")).to_have_text("Приоритетная очередь")
    expect(kiosk.locator(".kiosk .note").first).to_have_text("Приоритетный талон")
    kiosk.locator("button.kiosk-button", has_text="Быстрая услуга").click()

    # Issued on a loaded machine (the tests of other processes beside it), it may take more
    # than the usual five seconds.
    expect(kiosk.locator(".receipt-code")).to_have_text("Q-001", timeout=15_000)
    short = kiosk.locator(".receipt-link").inner_text()  # read first: the receipt clears
    expect(kiosk.locator(".receipt")).to_contain_text("Быстрая услуга")
    expect(kiosk.locator(".receipt")).to_contain_text("Приоритет: Приоритетная очередь")
    expect(kiosk.locator(".receipt svg.qr")).to_be_visible()
    assert re.fullmatch(re.escape(hall) + r"/t/\d+-[0-9A-Z]{10}", short)
    if javascript:
        kiosk.screenshot(path=screenshot_path("kiosk-receipt-ru"))
    # The receipt gives the screen back to the next person by itself.
    expect(kiosk.locator("h1")).to_have_text("Возьмите талон", timeout=15_000)
    holder = phone(browser, "ru")
    holder.goto(short)
    expect(holder.locator(".ticket .big")).to_have_text("Q-001")
    for each in (context, holder.context):
        each.close()


def test_the_clerk_works_one_citizen_at_a_time_and_the_board_follows(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    wall = browser.new_context(locale="ru", viewport={"width": 1280, "height": 720})
    board = wall.new_page()
    board.clock.install()  # the test runs the board's 10-second change of language itself
    board.goto(f"{site}/board/bsk?languages=ru,ky&chime=on")
    expect(board.locator("#full-screen svg")).to_be_visible()

    kiosk = browser.new_context(locale="ky", viewport={"width": 800, "height": 1280}).new_page()
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    for _ in range(3):
        kiosk.locator("button.kiosk-button", has_text="Тез кызмат").click()
        expect(kiosk.locator(".receipt-code")).to_be_visible()
        kiosk.locator("a.button", has_text="Кийинки адам").click()

    clerk = browser.new_context(locale="ru", viewport={"width": 1280, "height": 800}).new_page()
    sign_in(clerk, site, "aibek", "/console/bsk")
    clerk.locator("button.primary", has_text="Открыть окно").click()
    expect(clerk.locator(".window-state")).to_contain_text("Окно открыто")
    called_at = time.monotonic()
    clerk.keyboard.press("n")
    expect(board.locator("#calls li.newest .code")).to_have_text("Q-001", timeout=2000)
    shown_after = time.monotonic() - called_at
    expect(clerk.locator(".current .big")).to_have_text("Q-001")
    expect(clerk.locator(".current")).to_contain_text("Вызван: идёт к вашему окну")
    # Q-001 is called and has not come: no plain "next", but "no-show, call next".
    expect(clerk.locator("button[data-key='n']")).to_have_count(0)
    clerk.screenshot(path=screenshot_path("console-ru"), full_page=True)
    clerk.keyboard.press("x")
    expect(clerk.locator(".current .big")).to_have_text("Q-002")
    clerk.keyboard.press("b")  # back in line, call next: Q-003 now, Q-002 the next time
    expect(clerk.locator(".current .big")).to_have_text("Q-003")
    clerk.keyboard.press("s")
    expect(clerk.locator(".current")).to_contain_text("Обслуживается")
    clerk.locator("#service").select_option("long")
    clerk.locator("button[data-key='t']").click()
    expect(clerk.locator("[role=status]")).to_contain_text("Направлен с новым талоном: L-001")
    clerk.keyboard.press("n")
    expect(clerk.locator(".current .big")).to_have_text("Q-002")
    clerk.keyboard.press("p")  # a pause: no calls
    expect(clerk.locator(".window-state")).to_contain_text("Окно на паузе")
    clerk.keyboard.press("p")
    expect(clerk.locator(".window-state")).to_contain_text("Окно открыто")

    # A chime for each call shown, once sound is on (the board may show the last within a
    # second; a call put back before the board showed it does not chime); the office's
    # name in both languages.
    expect(board.locator("body")).to_have_attribute("data-chimes", re.compile(r"^([3-9]|\d\d+)$"))
    board.screenshot(path=screenshot_path("board-ru"))
    board.clock.run_for(10_000)
    expect(board.locator("h1")).to_have_text("Бишкек кеңсеси")
    assert shown_after < 2.0
    for page in (board, kiosk, clerk):
        page.context.close()


def test_a_lost_receipt_is_printed_again_and_the_old_link_stops(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    kiosk = phone(browser, "ru")
    sign_in(kiosk, site, "door", "/kiosk/bsk")
    kiosk.locator("button.kiosk-button", has_text="Долгая услуга").click()
    lost = kiosk.locator(".receipt-link").inner_text()

    clerk = phone(browser, "ru")
    sign_in(clerk, site, "aibek", "/console/bsk")
    clerk.locator("details.reprint summary").click()
    clerk.locator("#code").fill("l1")
    clerk.locator("#reprint button").click()

    expect(clerk.locator(".receipt-code")).to_have_text("L-001")
    again = clerk.locator(".receipt-link").inner_text()
    assert again != lost
    holder = phone(browser, "ru")
    holder.goto(lost)
    expect(holder.locator("h1")).to_have_text("Эта ссылка на талон не работает")
    holder.goto(again)
    expect(holder.locator(".ticket .big")).to_have_text("L-001")
    for page in (kiosk, clerk, holder):
        page.context.close()
