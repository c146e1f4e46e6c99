"""The language switch leads back to a page that opens, also from the answer to a form
(whose own address takes a POST only), and reloads the whole page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import form_token, submit


def _switch_targets(html: str) -> set[str]:
    return set(re.findall(r'href="/language/[a-z]{2}\?next=([^"]*)"', html))


def test_from_a_kiosk_receipt_and_a_console_error_the_switch_stays_on_the_page(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    client.headers["Accept-Language"] = "ru"
    submit(client, client.get("/staff/login"), "/staff/login", username="root", password=PASSWORD)
    token = form_token(client)

    receipt = client.post(
        "/kiosk/bsk/ticket",
        data={"csrf_token": token, "service": "quick"},
        headers={"Referer": "http://testserver/kiosk/bsk"},
    )
    refused = client.post(
        "/console/bsk/close",
        data={"csrf_token": token, "window": "1"},
        headers={"Referer": "http://testserver/console/bsk?window=1"},
    )
    switched = client.get("/language/ky?next=%2Fkiosk%2Fbsk")

    assert receipt.status_code == 200 and _switch_targets(receipt.text) == {"/kiosk/bsk"}
    assert refused.status_code == 409
    assert _switch_targets(refused.text) == {"/console/bsk%3Fwindow%3D1"}
    assert switched.status_code == 200 and str(switched.url).endswith("/kiosk/bsk")


def test_the_switch_reloads_the_whole_page(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "ru"})

    links = re.findall(r'<a lang="[a-z]{2}"[^>]*>', page.text)
    assert links and all('hx-boost="false"' in link for link in links)
