"""The line closes for the day: whoever still waits reads on their phone that they were not
served today, and what to do next, in their language, with JavaScript on or off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import make_staff

from .conftest import screenshot_path, signed_in
from .people import phone


@pytest.mark.parametrize(
    ("language", "javascript", "says"),
    [
        ("ky", True, "Кезегиңиз келгенге чейин кезек жабылды"),
        ("ru", False, "Приём закончился раньше, чем подошла ваша очередь"),
    ],
)
def test_a_waiting_phone_is_told_it_was_not_served_and_what_next(
    browser: Browser,
    site: str,
    sessions: sessionmaker[Session],
    language: str,
    javascript: bool,
    says: str,
) -> None:
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    with signed_in(site, "gulnara") as http:
        issued = http.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}).json()
        page = phone(browser, language, javascript=javascript)
        if javascript:
            page.clock.install()  # the test runs the block's 20-second timer itself
        page.goto(f"{site}/ticket/{issued['id']}?s={issued['secret']}")
        expect(page.locator(".ticket .big")).to_have_text("Q-001")

        closed = http.post("/api/v1/offices/bsk/close-day")
        assert closed.status_code == 200 and closed.json()["not_served"] == 1

    if javascript:  # the page asks for its block again every 20 seconds
        page.clock.run_for(21_000)
        expect(page.locator(".called-off")).to_contain_text(says)
    else:
        page.reload()
        expect(page.locator(".called-off")).to_contain_text(says)
    expect(page.locator(".ticket a[href='/book/bsk']")).to_be_visible()
    expect(page.locator(".ticket .advice li").first).to_contain_text("09:00")
    page.screenshot(path=screenshot_path(f"ticket-not-served-{language}"), full_page=True)
    page.context.close()
