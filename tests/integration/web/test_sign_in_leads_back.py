"""Signing in leads staff back to the page they were sent from, and never off the site."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from .pages import submit


def _sign_in_from(client: TestClient, page: str) -> str:
    """Open ``page`` signed out, sign in where it sends you; the address you land on."""
    sent = client.get(page, follow_redirects=False)
    assert sent.status_code == 303
    form = client.get(sent.headers["location"])
    landed = submit(client, form, "/staff/login", username="root", password=PASSWORD)
    return str(landed.url).removeprefix("http://testserver")


def test_a_page_with_a_query_is_where_signing_in_leads(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "root", Role.admin, [])

    assert _sign_in_from(client, "/admin/audit?office=bsk") == "/admin/audit?office=bsk"


def test_a_form_sent_after_the_sign_in_ran_out_leads_back_to_its_page(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    console = "http://testserver/console/bsk?window=2"

    sent = client.post("/console/bsk/next", data={"window": "2"}, headers={"Referer": console})
    form = client.get(sent.url)
    landed = submit(client, form, "/staff/login", username="root", password=PASSWORD)

    assert str(landed.url) == console and landed.status_code == 200


@pytest.mark.parametrize(
    "elsewhere",
    ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "/\r\nLocation: //evil"],
)
def test_a_sign_in_link_cannot_lead_off_the_site(
    client: TestClient, sessions: sessionmaker[Session], elsewhere: str
) -> None:
    make_staff(sessions, "root", Role.admin, [])
    form = client.get("/staff/login", params={"next": elsewhere})

    landed = submit(client, form, "/staff/login", username="root", password=PASSWORD)

    assert str(landed.url) == "http://testserver/staff"
