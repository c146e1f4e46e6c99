"""On the holder's phone, with JavaScript on, the ticket's block asks again every 20 seconds
while the ticket waits or is at a window, and stops asking once the ticket is served."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Request, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .conftest import screenshot_path


def test_the_block_stops_asking_once_the_ticket_is_served(
    browser: Browser, site: str, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    token = httpx.post(
        f"{site}/api/v1/auth/token", json={"username": "aibek", "password": PASSWORD}
    ).json()["access_token"]
    with httpx.Client(
        base_url=site, timeout=10, headers={"Authorization": f"Bearer {token}"}
    ) as clerk:
        issued = clerk.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}).json()
        clerk.post("/api/v1/offices/bsk/windows/1/open", json={})
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru")
        phone = context.new_page()
        phone.clock.install()  # the test runs the page's timers 20 seconds ahead at a time
        asks: list[str] = []

        def counted(request: Request) -> None:
            if request.headers.get("hx-request") == "true":
                asks.append(request.url)

        phone.on("request", counted)
        phone.goto(f"{site}/ticket/{issued['id']}?s={issued['secret']}")
        expect(phone.locator(".place")).to_contain_text("1")
        expect(phone.locator("#page-note")).to_contain_text("обновляется сама")

        clerk.post("/api/v1/offices/bsk/windows/1/call-next")
        phone.clock.run_for(21_000)
        expect(phone.locator(".called")).to_contain_text("1")
        clerk.post(f"/api/v1/tickets/{issued['id']}/start")
        clerk.post(f"/api/v1/tickets/{issued['id']}/finish")
        phone.clock.run_for(20_000)
        expect(phone.locator(".ticket")).to_have_attribute("data-status", "done")
        expect(phone.locator(".ticket")).to_contain_text("Вас обслужили. Спасибо.")
        # It no longer updates itself, so it no longer says so.
        expect(phone.locator("#page-note")).to_be_hidden()
        asked_until_served = len(asks)
        phone.screenshot(path=screenshot_path("my-ticket-served"))
        for _ in range(6):  # two minutes more with the page open
            phone.clock.run_for(20_000)
            phone.wait_for_timeout(100)

        assert asked_until_served == 2
        assert len(asks) == asked_until_served
        context.close()
