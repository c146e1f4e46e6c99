"""axe-core finds no serious or critical accessibility problem on the citizen's pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import document

from .people import tomorrows_times

AXE = Path(__file__).parent / "vendor" / "axe-4.11.4.min.js"


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_citizen_pages_have_no_serious_accessibility_violations(
    browser: Browser, site: str, language: str
) -> None:
    # axe-core is loaded by the test, so the page's own policy must let this one script in.
    context = browser.new_context(locale=language, bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for path in ("/", "/book/bsk", "/book/bsk/long", "/manage"):
        page.goto(site + path)
        found[path] = _violations(page)
    # After each tap, what only the next page has, before it is scanned: a scan of the page
    # it replaces would pass for it, and a late answer would land on the form being filled.
    page.goto(tomorrows_times(site))
    page.locator(".times a").first.click()
    expect(page.locator("#full_name")).to_be_visible()
    found["details"] = _violations(page)
    page.locator("button.primary").click()  # empty form: the errors beside the fields
    expect(page.locator(".error-summary")).to_be_visible()
    found["details with errors"] = _violations(page)
    page.locator("#full_name").fill("Асанов Айбек")
    page.locator("#phone").fill("+996 555 123 456")
    page.locator("#document_number").fill(document(1))
    page.locator("button.primary").click()
    page.locator(".reference strong").wait_for()
    found["the booking"] = _violations(page)
    page.locator("a.danger-link").click()
    expect(page.locator("button.danger")).to_be_visible()
    found["cancel, asked"] = _violations(page)
    page.goto(site + "/manage/forgot")
    found["lost reference"] = _violations(page)
    context.close()

    assert {path: v for path, v in found.items() if v} == {}
