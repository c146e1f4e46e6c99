"""What every page promises: its language, its headers, its weight, nothing from elsewhere."""

from __future__ import annotations

import gzip
import re

from fastapi.testclient import TestClient

from .pages import link_to, text


def test_the_language_comes_from_the_switch_then_the_browser_then_russian(
    client: TestClient,
) -> None:
    assert '<html lang="ru">' in client.get("/", headers={"Accept-Language": "de"}).text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB"}).text

    switched = client.get("/language/ky?next=/book/bsk", follow_redirects=False)

    assert switched.status_code == 303 and switched.headers["location"] == "/book/bsk"
    page = client.get("/book/bsk", headers={"Accept-Language": "en"})
    assert '<html lang="ky">' in page.text
    outside = client.get("/language/ru?next=//evil.example", follow_redirects=False)
    assert outside.headers["location"] == "/"


def test_pages_forbid_inline_scripts_framing_and_sniffing(client: TestClient) -> None:
    page = client.get("/")

    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script at all


def test_the_booking_pages_weigh_under_100_kb_and_load_nothing_from_elsewhere(
    client: TestClient,
) -> None:
    client.headers["Accept-Language"] = "ky"
    times = client.get(link_to(client.get(link_to(client.get("/"), r"^/book/bsk$")), r"/long$"))
    details = client.get(link_to(times, r"/details\?start="))
    for page in (times, details):
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text)
        weight = len(gzip.compress(page.content)) + sum(
            len(gzip.compress(client.get(asset).content)) for asset in assets
        )
        assert weight <= 100_000, weight


def test_an_unknown_office_or_service_is_a_translated_404(client: TestClient) -> None:
    client.headers["Accept-Language"] = "ky"
    for path in ("/book/nowhere", "/book/bsk/nothing", "/book/bsk/long/details?start=bad"):
        page = client.get(path)
        assert page.status_code == 404
        assert "Барак табылган жок" in text(page)


def test_a_browser_gets_a_page_for_a_wrong_address_and_the_api_keeps_problem_json(
    client: TestClient,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "ru"}

    typo = client.get("/boook", headers=browser)
    wrong_method = client.get("/staff/logout", headers=browser)
    api = client.get("/api/v1/nothing-here", headers=browser)
    script = client.get("/boook")

    assert typo.status_code == 404 and typo.headers["content-type"].startswith("text/html")
    assert "Страница не найдена" in text(typo) and 'href="/"' in typo.text
    assert wrong_method.status_code == 405 and "Не получилось" in text(wrong_method)
    assert "Этот адрес работает только с кнопки на странице." in text(wrong_method)
    assert api.headers["content-type"] == "application/problem+json"
    assert script.headers["content-type"] == "application/problem+json"
