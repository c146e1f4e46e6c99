"""The kiosk issues a ticket, a clerk calls it: the board on the wall and the holder's phone
show it, and the board comes back by itself after the server was gone."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import make_staff
from tests.server import free_port, thread_server

from .conftest import screenshot_path, signed_in


def test_the_board_shows_a_call_within_two_seconds_and_the_phone_follows(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ky")
    board = context.new_page()
    board.clock.install()  # the test runs the board's 10-second change of language itself
    board.goto(site + "/board/bsk?languages=ky,ru")
    expect(board.locator("[data-label='1']")).to_have_text("Терезе")
    with signed_in(site, "aibek") as http:
        issued = http.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}).json()
        http.post("/api/v1/offices/bsk/windows/1/open", json={})
        phone = context.new_page()
        phone.goto(f"{site}/ticket/{issued['id']}?s={issued['secret']}")
        expect(phone.locator(".ticket .big")).to_have_text("Q-001")
        expect(phone.locator(".place")).to_contain_text("1")
        board.wait_for_timeout(500)  # the stream is open

        called_at = time.monotonic()
        http.post("/api/v1/offices/bsk/windows/1/call-next")
        expect(board.locator("#calls li.newest .code")).to_have_text("Q-001", timeout=2000)
        shown_after = time.monotonic() - called_at

    board.screenshot(path=screenshot_path("board"))
    phone.reload()
    expect(phone.locator(".called")).to_contain_text("1")
    phone.screenshot(path=screenshot_path("my-ticket-called"))
    assert shown_after < 2.0
    # The labels switch to the second language by themselves.
    board.clock.run_for(10_000)
    expect(board.locator("[data-label='1']")).to_have_text("Окно")
    context.close()


def test_the_board_reconnects_by_itself_after_the_server_was_gone(
    browser: Browser, server_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    port = free_port()
    context = browser.new_context(locale="ru")
    board = context.new_page()
    with thread_server(env=server_env, port=port) as site:
        board.goto(site + "/board/bsk?languages=ru,ky")
        expect(board.locator("#reconnecting")).to_be_hidden()
    # The server is gone: the board says so, and keeps trying.
    expect(board.locator("#reconnecting")).to_be_visible(timeout=10_000)

    with thread_server(env=server_env, port=port) as site:
        with signed_in(site, "aibek") as http:
            http.post("/api/v1/offices/bsk/tickets", json={"service": "quick"})
            http.post("/api/v1/offices/bsk/windows/1/open", json={})
            http.post("/api/v1/offices/bsk/windows/1/call-next")
        expect(board.locator("#calls li.newest .code")).to_have_text("Q-001", timeout=10_000)
        expect(board.locator("#reconnecting")).to_be_hidden()
    context.close()
