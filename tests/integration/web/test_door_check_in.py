"""The holder of a ticket from a phone checks in at the door by typing, on the ticket's
page, the code of the day that the kiosk's screen shows: as on a phone without JavaScript."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import Ticket
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

from . import line_pages
from .line_pages import take_a_place, ticket_address, todays_door_code
from .pages import submit, text

clock, phone_line, line_client = line_pages.clock, line_pages.phone_line, line_pages.line_client
DOOR = "/ticket/{}/door"
CHECK_IN_FIRST = "You will be called only after you check in at the office"


def _door_error(page: str) -> str:
    found = re.search(r'<p class="error" id="door_code-error" role="alert">([^<]+)</p>', page)
    assert found, page
    return unescape(found.group(1))


def test_the_right_code_checks_in_and_the_page_says_to_wait(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, _ = ticket_address(page)
    field = re.search(r'<input id="door_code"[^>]*>', page.text)
    assert field and 'inputmode="numeric"' in field.group() and 'maxlength="4"' in field.group()
    assert CHECK_IN_FIRST in text(page)
    # Without JavaScript the page does not reload itself while the code may be typed.
    assert 'http-equiv="refresh"' not in page.text

    checked = submit(
        line_client, page, DOOR.format(ticket_id), door_code=todays_door_code(line_client, sessions)
    )

    assert checked.status_code == 200
    assert "You are checked in. Wait for your number on the board." in text(checked)
    assert CHECK_IN_FIRST not in text(checked) and 'id="door_code"' not in checked.text
    assert 'http-equiv="refresh" content="30"' in checked.text
    with sessions() as session:
        assert session.get_one(Ticket, ticket_id).checked_in_at is not None


def test_a_wrong_code_is_named_beside_its_field_and_kept_to_correct(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, _ = ticket_address(page)
    right = todays_door_code(line_client, sessions)
    wrong_code = f"{(int(right) + 1) % 10_000:04d}"

    wrong = submit(line_client, page, DOOR.format(ticket_id), door_code=wrong_code)
    short = submit(line_client, page, DOOR.format(ticket_id), door_code="12")

    assert wrong.status_code == 422
    assert _door_error(wrong.text).startswith("This is not today's code.")
    assert f'value="{wrong_code}"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert short.status_code == 422
    assert _door_error(short.text) == "Type the 4 digits shown on the screen by the door."
    with sessions() as session:
        assert session.get_one(Ticket, ticket_id).checked_in_at is None


def test_five_wrong_codes_stop_the_guessing_and_point_to_the_kiosk(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, _ = ticket_address(page)
    right = todays_door_code(line_client, sessions)
    wrong_code = f"{(int(right) + 5000) % 10_000:04d}"
    for _ in range(5):
        submit(line_client, page, DOOR.format(ticket_id), door_code=wrong_code)

    stopped = submit(line_client, page, DOOR.format(ticket_id), door_code=right)

    assert stopped.status_code == 429
    assert "check in at the kiosk" in _door_error(stopped.text)


def test_a_ticket_passed_over_says_its_place_is_kept_and_to_check_in_now(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, secret = ticket_address(page)
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(line_client, "aibek")
    line_client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=clerk)
    line_client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    called = line_client.post("/api/v1/offices/bsk/windows/1/call-next", headers=clerk)
    assert called.json()["code"] == "Q-002", called.text

    passed = line_client.get(f"/ticket/{ticket_id}?s={secret}")

    assert "Your turn came before you checked in. You keep your place" in text(passed)
    assert 'id="door_code"' in passed.text


def test_the_refreshed_block_takes_the_door_form_away_once_checked_in_elsewhere(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, secret = ticket_address(page)
    address = f"/ticket/{ticket_id}?s={secret}"
    before = line_client.get(address, headers={"HX-Request": "true"})
    submit(
        line_client, page, DOOR.format(ticket_id), door_code=todays_door_code(line_client, sessions)
    )

    after = line_client.get(address, headers={"HX-Request": "true"})

    assert "<html" not in before.text and "hx-swap-oob" not in before.text
    assert '<section id="door-check-in" hx-swap-oob="true" hidden></section>' in after.text


def test_a_ticket_taken_at_the_kiosk_shows_no_door_form(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    issued = line_client.post(
        "/api/v1/offices/bsk/tickets",
        json={"service": "quick"},
        headers=bearer(line_client, "aibek"),
    ).json()
    address = f"/ticket/{issued['id']}?s={issued['secret']}"

    page = line_client.get(address)

    assert 'id="door_code"' not in page.text and CHECK_IN_FIRST not in text(page)
    refused = line_client.post(
        DOOR.format(issued["id"]), data={"s": issued["secret"], "door_code": "1234"}
    )
    assert refused.status_code == 403  # no form of this page: nothing is checked
    assert line_client.post(DOOR.format(issued["id"]), data={"s": "wrong"}).status_code == 404
