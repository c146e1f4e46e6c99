"""A manager on a phone reads how the campaign keeps to its plan, in Kyrgyz and Russian,
with JavaScript on and off: the chart legible at 360 pixels, the table scrolling inside
its box, and a plan still ahead of its deadline drawn beside the actual line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from kezek.planning.planner import make_plan
from kezek.planning.report import write_report
from kezek.planning.scenario import read_scenario
from kezek.staff.models import Role
from tests.integration.staff.helpers import make_staff
from tests.server import thread_server
from tests.unit.planning.scenarios import write_scenario

from .conftest import screenshot_path
from .people import sign_in

PHONE = {"width": 360, "height": 740}
BEHIND = {"ky": "Тармак пландан", "ru": "Сеть отстаёт от плана"}


@pytest.fixture(scope="module")
def plan_started_two_weeks_ago(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small scenario, started 14 days ago with its deadlines ahead; nobody of its
    offices has been served in the test's database, so the network is behind."""
    folder = tmp_path_factory.mktemp("campaign")
    start = dt.date.today() - dt.timedelta(days=14)
    path = write_scenario(folder)
    text = path.read_text(encoding="utf-8")
    text = text.replace("start = 2025-04-01", f"start = {start}")
    text = text.replace(
        "deadlines = [2025-04-30, 2025-06-30]",
        f"deadlines = [{start + dt.timedelta(days=45)}, {start + dt.timedelta(days=120)}]",
    )
    path.write_text(text, encoding="utf-8")
    spec, network = read_scenario(path)
    out = folder / "plan"
    write_report(make_plan(spec, network, processes=1, replications=10), out, network=network)
    return out


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["ky", "ru"])
def test_a_manager_on_a_phone_sees_the_campaign_against_its_plan(
    browser: Browser,
    server_env: dict[str, str],
    sessions: sessionmaker[Session],
    plan_started_two_weeks_ago: Path,
    language: str,
    javascript: bool,
) -> None:
    make_staff(sessions, "aibek", Role.manager, ["bsk"])
    context = browser.new_context(viewport=PHONE, locale=language, java_script_enabled=javascript)
    page = context.new_page()

    with thread_server(
        env={**server_env, "KEZEK_PLAN_DIR": str(plan_started_two_weeks_ago)}
    ) as site:
        sign_in(page, site, "aibek", "/dashboard")
        section = page.locator("#against-plan")
        expect(section).to_be_visible()
        # Nobody served for 14 days: the network is behind the plan, and says so.
        expect(page.locator("p[role=status]").filter(has_text=BEHIND[language])).to_be_visible()
        chart = page.locator("#against-plan + figure svg")
        # Today's windows, the windows recommended for the deadline ahead, and the actual.
        expect(chart.locator("polyline")).to_have_count(3)
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        # Its words stay legible: 12 units of a 420-unit view box drawn at least 320 wide.
        assert box["width"] >= 320
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        table = page.locator("#against-plan ~ div.wide").first
        expect(table).to_contain_text("Новосибирск")
        scrolls = table.evaluate("box => box.scrollWidth > box.clientWidth")
        assert scrolls  # the table scrolls inside its box, the page does not
        page.screenshot(
            path=screenshot_path(f"against-plan-{language}-{'js' if javascript else 'no-js'}"),
            full_page=True,
        )
    context.close()
