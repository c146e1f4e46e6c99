"""A manager reads the campaign in Russian: the burndown and the windows per day drawn in
Russian, the offices by name, dates as Russians write them, the windows each office has and
needs, and what the what-ifs would change."""

from __future__ import annotations

from pathlib import Path

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

WHAT_IF = """
[[what_ifs]]
name = { ky = "Казанда ишемби күндөрү", ru = "Субботы в Казани", en = "Saturdays in Kazan" }

[[what_ifs.changes]]
kind = "extra_day"
office = "kzn"
weekday = "sat"
hours = ["10:00-16:00"]
from = 2025-04-05
"""


def test_a_manager_reads_the_plan_in_russian(
    browser: Browser,
    server_env: dict[str, str],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    spec, network = read_scenario(write_scenario(tmp_path, WHAT_IF))
    plan = make_plan(spec, network, processes=1, replications=20)
    write_report(plan, tmp_path / "plan", network=network)
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    context = browser.new_context(locale="ru", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    with thread_server(env={**server_env, "KEZEK_PLAN_DIR": str(tmp_path / "plan")}) as site:
        sign_in(page, site, "gulnara", "/dashboard")
        expect(page.locator(".warning").first).to_contain_text("30.04.2025")
        tables = page.locator("table.figures")
        expect(tables.nth(1)).to_contain_text(
            "Генеральное консульство Кыргызской Республики в Казани"
        )
        expect(tables.nth(1)).to_contain_text("→")
        # Actual against the plan: nobody served in Kazan here, so its backlog is all left.
        expect(tables.nth(2)).to_contain_text("Вся сеть")
        expect(tables.nth(2)).to_contain_text("2 000")
        expect(page.locator("svg.chart polyline")).to_have_count(2)  # the deadlines passed
        expect(tables.nth(3)).to_contain_text("Субботы в Казани")
        for chart in page.locator("img.chart").all():
            expect(chart).to_be_visible()
            # decode() waits for the image however slow the server is, and fails if it is broken.
            width = chart.evaluate(
                "async image => { await image.decode(); return image.naturalWidth; }"
            )
            assert width > 200  # it loaded and drew
        svg = page.request.get(f"{site}/dashboard/plan/burndown.svg").text()
        assert "Сокращение очереди" in svg and "срок" in svg
        page.screenshot(path=screenshot_path("dashboard-ru"), full_page=True)
    context.close()
