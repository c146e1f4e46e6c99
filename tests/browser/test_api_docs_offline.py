"""The interactive API documentation works with no internet: every asset comes from the
server itself, under its Content Security Policy, and nothing breaks that policy."""

from __future__ import annotations

from playwright.sync_api import Browser, Route, expect


def test_the_docs_load_from_the_server_alone(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(site):
            route.continue_()
        else:  # no CDN, no font service: an office's network may reach none of them
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    broken: list[str] = []
    page.on(
        "console", lambda message: broken.append(message.text) if message.type == "error" else None
    )

    response = page.goto(f"{site}/docs")

    assert (
        response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    )
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kezek")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/bookings").first).to_be_visible()
    assert outside == [] and broken == []
    context.close()
