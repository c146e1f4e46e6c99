"""A manager signs in and sees the backlog burndown against the deadlines."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.planning.planner import make_plan
from kezek.planning.report import write_report
from kezek.planning.scenario import read_scenario
from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import running_server
from tests.unit.planning.scenarios import write_scenario

from .conftest import screenshot_path


def test_a_manager_sees_the_burndown_chart(
    browser: Browser,
    server_env: dict[str, str],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    spec, network = read_scenario(write_scenario(tmp_path))
    write_report(make_plan(spec, network, processes=1, replications=20), tmp_path / "plan")
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    context = browser.new_context(locale="ru", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    with running_server(
        env={**server_env, "KEZEK_PLAN_DIR": str(tmp_path / "plan")}, workers=1
    ) as site:
        page.goto(f"{site}/staff/login?next=/dashboard")
        page.locator("#username").fill("gulnara")
        page.locator("#password").fill(PASSWORD)
        page.locator("button.primary").click()
        chart = page.locator("img.chart")
        expect(chart).to_be_visible()
        expect(page.locator(".warning").first).to_contain_text("2025-04-30")
        assert (
            page.evaluate("() => document.querySelector('img.chart').naturalWidth") > 200
        )  # the SVG loaded and drew
        page.screenshot(path=screenshot_path("manager-dashboard"), full_page=True)
    context.close()
