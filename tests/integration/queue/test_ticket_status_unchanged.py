"""A ticket holder's reload that finds nothing new is a 304, from the API and the page."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def _two_waiting(
    client: TestClient, sessions: sessionmaker[Session]
) -> tuple[dict[str, str], dict[str, object]]:
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    kiosk = bearer(client, "kiosk-bsk")
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=kiosk)
    client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk)
    second = client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()
    return kiosk, second


def test_the_status_answers_304_until_the_line_moves(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    kiosk, mine = _two_waiting(client, sessions)
    path, secret = f"/api/v1/tickets/{mine['id']}", {"X-Ticket-Secret": str(mine["secret"])}
    first = client.get(path, headers=secret)
    tag = first.headers["ETag"]

    again = client.get(path, headers={**secret, "If-None-Match": tag})
    client.post(f"{OFFICE}/windows/1/call-next", headers=kiosk)
    moved = client.get(path, headers={**secret, "If-None-Match": tag})

    assert first.status_code == 200 and first.json()["position"] == 2
    assert first.headers["Cache-Control"] == "private, no-cache"
    # To the minute, as shown: an estimate that moved by seconds is the same answer.
    estimate = datetime.fromisoformat(first.json()["estimated_call_at"])
    assert estimate.second == estimate.microsecond == 0
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == tag
    assert moved.status_code == 200 and moved.json()["position"] == 1
    assert moved.headers["ETag"] != tag


def test_a_wrong_secret_is_refused_whatever_the_etag(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, mine = _two_waiting(client, sessions)
    path = f"/api/v1/tickets/{mine['id']}"
    tag = client.get(path, headers={"X-Ticket-Secret": str(mine["secret"])}).headers["ETag"]

    guessed = client.get(path, headers={"X-Ticket-Secret": "WRONG00000", "If-None-Match": tag})
    anything = client.get(path, headers={"X-Ticket-Secret": "WRONG00000", "If-None-Match": "*"})

    assert guessed.status_code == anything.status_code == 404


def test_the_pages_status_block_answers_304_until_the_line_moves(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    kiosk, mine = _two_waiting(client, sessions)
    page = f"/ticket/{mine['id']}?s={mine['secret']}"
    block = {"HX-Request": "true", "Accept-Language": "ky"}
    first = client.get(page, headers=block)
    tag = first.headers["ETag"]

    again = client.get(page, headers={**block, "If-None-Match": tag})
    in_russian = client.get(page, headers={**block, "Accept-Language": "ru", "If-None-Match": tag})
    whole_page = client.get(page, headers={"If-None-Match": tag})
    client.post(f"{OFFICE}/windows/1/call-next", headers=kiosk)
    moved = client.get(page, headers={**block, "If-None-Match": tag})

    assert first.status_code == 200 and 'class="ticket"' in first.text
    assert again.status_code == 304 and again.content == b""
    # The block is kept by the phone apart from the page at the same address: opened again
    # (Back, a link from an SMS), the page is the page, not its block alone.
    assert first.headers["Vary"] == again.headers["Vary"] == "HX-Request"
    assert in_russian.status_code == 200 and in_russian.headers["ETag"] != tag
    # The whole page carries a fresh form token each time: never a 304.
    assert whole_page.status_code == 200 and "ETag" not in whole_page.headers
    assert moved.status_code == 200 and moved.headers["ETag"] != tag
