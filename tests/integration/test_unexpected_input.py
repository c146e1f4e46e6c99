"""Input nobody expects gets an answer, never a traceback: numbers past a column's range, a
NUL byte, a file nested thousands deep, a date at the end of the calendar; an error nobody
foresaw is a page or problem+json with the usual headers; an outage shows a page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.staff.models import Role
from tests.factories import start_at
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.integration.web.pages import submit, text

PAGE = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "ru"}


def _is_a_page_with_headers(answer: object) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert "Traceback" not in answer.text  # type: ignore[attr-defined]


def test_ticket_numbers_past_any_column_are_no_ticket(client: TestClient) -> None:
    for number in ("2147483648", "9223372036854775808", "0", "abc", "-1"):
        page = client.get(f"/ticket/{number}?s=secret", headers=PAGE)
        assert page.status_code == 404, number
        assert "Эта ссылка на талон не работает" in text(page)
        _is_a_page_with_headers(page)
    typed = client.get("/t/9223372036854775808-ABCDE", headers=PAGE)
    assert typed.status_code == 404 and "Эта ссылка на талон не работает" in text(typed)


def test_a_nul_byte_in_a_username_is_a_wrong_username(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    form = client.get("/staff/login", headers=PAGE)

    refused = submit(client, form, "/staff/login", username="aibek\x00", password=PASSWORD)

    assert refused.status_code == 401 and "Неверное имя пользователя или пароль" in text(refused)


def test_a_network_file_nested_thousands_deep_is_refused_with_a_reason(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    client.headers.update(PAGE)
    submit(client, client.get("/staff/login"), "/staff/login", username="root", password=PASSWORD)
    page = client.get("/admin/network")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token

    deep = "a = " + "[" * 5000 + "]" * 5000
    refused = client.post(
        "/admin/network",
        data={"csrf_token": token.group(1)},
        files={"file": ("deep.toml", deep.encode(), "application/toml")},
    )

    assert refused.status_code == 422
    assert "вложены слишком глубоко" in text(refused)


def test_a_date_at_the_end_of_the_calendar_is_not_bookable(client: TestClient) -> None:
    far = client.get(
        "/book/bsk/quick/details", params={"start": "9999-12-31T10:00:00+06:00"}, headers=PAGE
    )
    api = client.post(
        "/api/v1/bookings",
        json={
            "office": "bsk",
            "service": "quick",
            "start": "9999-12-31T10:00:00+06:00",
            "document_number": "AC0000001",
            "full_name": "Асанов Айбек",
            "phone": "+996 555 000 001",
            "language": "ru",
        },
    )

    assert far.status_code == 422 and "Выберите другое время" in text(far)
    assert api.status_code == 422 and api.headers["content-type"] == "application/problem+json"


def _failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    def broken() -> None:
        raise RuntimeError("a bug with a secret in it: AC1234567")

    app.add_api_route("/broken-page", broken)
    app.add_api_route("/api/v1/broken", broken)
    return app


def test_an_error_nobody_foresaw_is_a_page_or_a_problem_with_the_usual_headers(
    settings: Settings, network: None
) -> None:
    with TestClient(_failing_app(settings), raise_server_exceptions=False) as client:
        page = client.get("/broken-page", headers=PAGE)
        api = client.get("/api/v1/broken")

    assert page.status_code == api.status_code == 500
    _is_a_page_with_headers(page)
    assert "Что-то пошло не так" in text(page) and "AC1234567" not in page.text
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "internal_error" and "AC1234567" not in api.text
    assert api.headers["x-content-type-options"] == "nosniff"


def test_pages_during_a_database_outage_are_pages(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/none",
        var_dir=tmp_path,
        secret_key="a secret for this test only",
    )
    with TestClient(create_app(settings)) as client:
        page = client.get("/book/bsk", headers=PAGE)
        api = client.get("/api/v1/offices")

    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    _is_a_page_with_headers(page)
    assert "Сейчас сервис недоступен" in text(page)
    assert api.status_code == 503 and api.headers["content-type"] == "application/problem+json"


def test_a_time_off_the_grid_or_outside_the_hours_is_said_before_the_form(
    client: TestClient,
) -> None:
    for start in (start_at(hour=10, minute=5), start_at(hour=20)):
        page = client.get("/book/bsk/quick/details", params={"start": start}, headers=PAGE)
        assert page.status_code == 422, start
        assert "На это время записаться уже нельзя" in text(page)
        assert 'href="/book/bsk/quick"' in page.text
    on_the_grid = client.get(
        "/book/bsk/quick/details", params={"start": start_at(hour=10)}, headers=PAGE
    )
    assert on_the_grid.status_code == 200


def test_a_referer_no_browser_sends_is_no_error(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    form = client.get("/staff/login", headers=PAGE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token

    refused = client.post(
        "/staff/login",
        data={"csrf_token": token.group(1), "username": "aibek", "password": "wrong"},
        headers={**PAGE, "Referer": "http://["},
    )

    assert refused.status_code == 401 and "Неверное имя пользователя или пароль" in text(refused)
