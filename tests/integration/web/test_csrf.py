"""A form's CSRF token belongs to one browser session: not another browser's, not from before
a sign-in, and signing out needs it too; in production the cookies carry ``__Host-``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Environment, Settings
from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import form_token, submit, text


def _sign_in(client: TestClient, username: str = "door") -> None:
    page = client.get("/staff/login")
    signed = submit(client, page, "/staff/login", username=username, password=PASSWORD)
    assert signed.status_code == 200, text(signed)


def test_another_browsers_token_does_not_pass(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    _sign_in(client)
    with TestClient(client.app) as attacker:
        theirs = form_token(attacker)
        # The attacker's own token, and even their own cookie, set into the kiosk's browser.
        forged = client.post("/kiosk/bsk/ticket", data={"csrf_token": theirs, "service": "quick"})
        client.cookies.set("csrf", attacker.cookies["csrf"])
        tossed = client.post("/kiosk/bsk/ticket", data={"csrf_token": theirs, "service": "quick"})

    assert forged.status_code == tossed.status_code == 403


def test_a_token_from_before_signing_in_is_spent(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    before = form_token(client)
    seed_before = client.cookies["csrf"]
    _sign_in(client)

    stale = client.post("/kiosk/bsk/ticket", data={"csrf_token": before, "service": "quick"})
    fresh = client.post(
        "/kiosk/bsk/ticket", data={"csrf_token": form_token(client), "service": "quick"}
    )

    assert client.cookies["csrf"] != seed_before  # rotated at sign-in
    assert stale.status_code == 403
    assert fresh.status_code == 200 and "Q-001" in fresh.text


def test_signing_out_needs_the_token(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    _sign_in(client)

    # What another site's page can send: a POST with no token (the cookies ride along).
    cross_site = client.post("/staff/logout", data={}, follow_redirects=False)
    still_in = client.get("/kiosk/bsk", follow_redirects=False)
    out = client.post(
        "/staff/logout", data={"csrf_token": form_token(client)}, follow_redirects=False
    )
    after = client.get("/kiosk/bsk", follow_redirects=False)

    assert cross_site.status_code == 403 and still_in.status_code == 200
    assert out.status_code == 303 and after.status_code == 303


@pytest.fixture
def production(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"environment": Environment.production}))
    with TestClient(app, base_url="https://testserver") as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def test_production_cookies_are_host_only_and_secure(
    production: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    page = production.get("/staff/login")
    signed = submit(production, page, "/staff/login", username="door", password=PASSWORD)
    set_at_sign_in = signed.history[0].headers.get_list("set-cookie")

    for cookie in [page.headers["set-cookie"], *set_at_sign_in]:
        assert cookie.startswith("__Host-"), cookie
        assert "Secure" in cookie and "Path=/" in cookie and "HttpOnly" in cookie
        assert "Domain" not in cookie
    assert signed.status_code == 200 and "/kiosk/bsk" in str(signed.url)
