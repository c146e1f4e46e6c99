"""Every answer carries the security headers, and nothing with a person's or the staff's data
may be stored by a browser or a proxy; production adds HSTS."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kezek.app import create_app
from kezek.config import Environment, Settings
from tests.factories import booking_body, document


def test_personal_and_staff_answers_are_never_stored(client: TestClient) -> None:
    booked = client.post("/api/v1/bookings", json=booking_body())
    reference = booked.json()["reference"]
    answers = {
        "booked": booked,
        "booking": client.get(
            f"/api/v1/bookings/{reference}", headers={"X-Document-Number": document(1)}
        ),
        "find-booking page": client.get("/manage"),
        "sign-in page": client.get("/staff/login"),
        "no such page": client.get("/nothing-here", headers={"Accept": "text/html"}),
        "no such API path": client.get("/api/v1/nothing-here"),
        "too large": client.post("/api/v1/bookings", content=b"x" * 70_000),
        "redirect": client.get("/staff", follow_redirects=False),
    }

    for name, answer in answers.items():
        assert answer.headers.get("cache-control") == "no-store", name
        assert answer.headers["x-content-type-options"] == "nosniff", name
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], name
        assert "strict-transport-security" not in answer.headers, name  # not in development


def test_static_files_may_be_kept(client: TestClient) -> None:
    css = client.get("/static/site.css")

    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


def test_production_asks_for_https_only(settings: Settings, engine: Engine, network: None) -> None:
    app = create_app(settings.model_copy(update={"environment": Environment.production}))
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/")
        api = client.get("/api/v1/offices")

    for answer in (page, api):
        assert answer.headers["strict-transport-security"] == "max-age=31536000"
