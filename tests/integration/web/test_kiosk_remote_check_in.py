"""At the kiosk, the holder of a ticket from a phone checks in with the ticket's number and
the phone's last four digits; the kiosk's idle screen shows the door's code of the day,
which the board on the wall does not."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue.models import Ticket
from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

from . import line_pages
from .line_pages import take_a_place, ticket_address, todays_door_code
from .pages import link_to, submit, text

clock, phone_line, line_client = line_pages.clock, line_pages.phone_line, line_pages.line_client
FORM = "/kiosk/bsk/phone-ticket"


def _kiosk(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk", "big"])
    client.headers["Accept-Language"] = "en"
    signed = submit(
        client, client.get("/staff/login"), "/staff/login", username="door", password=PASSWORD
    )
    assert signed.status_code == 200, text(signed)


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]+)</p>', page)
    assert found, page
    return unescape(found.group(1))


def test_the_idle_screen_shows_the_door_code_large_and_the_board_does_not(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _kiosk(line_client, sessions)
    code = todays_door_code(line_client, sessions)

    idle = line_client.get("/kiosk/bsk")
    block = line_client.get("/kiosk/bsk/door-code", headers={"HX-Request": "true"})

    shown = re.search(r'<p class="door-digits"[^>]*>(\d{4})</p>', idle.text)
    assert shown and shown.group(1) == code
    assert "<html" not in block.text and f">{code}</p>" in block.text
    assert 'hx-trigger="every 300s"' in block.text
    assert code not in line_client.get("/board/bsk").text
    # An office that gives no tickets to phones shows no code, and no check-in for them.
    other = line_client.get("/kiosk/big")
    assert 'class="door-digits"' not in other.text and "/kiosk/big/phone-ticket" not in other.text
    assert line_client.get("/kiosk/big/door-code").status_code == 204


def test_the_ticket_number_and_the_phones_last_digits_check_in(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, secret = ticket_address(page)
    _kiosk(line_client, sessions)
    form = line_client.get(link_to(line_client.get("/kiosk/bsk"), rf"^{FORM}$"))
    assert form.status_code == 200
    assert re.search(r'<input id="phone_last4"[^>]*inputmode="numeric"', form.text)

    done = submit(line_client, form, FORM, code="q1", phone_last4="0777")

    assert done.status_code == 200, text(done)
    assert "You are checked in" in text(done)
    assert re.search(r'<p class="receipt-code">Q-001</p>', done.text)
    assert "Wait for your number on the board." in text(done)
    assert 'content="60;url=/kiosk/bsk"' in done.text  # then the screen is the next person's
    with sessions() as session:
        assert session.get_one(Ticket, ticket_id).checked_in_at is not None
    holder = line_client.get(f"/ticket/{ticket_id}?s={secret}")
    assert "You are checked in. Wait for your number on the board." in text(holder)


def test_wrong_digits_an_unknown_number_and_empty_fields_are_named_and_kept(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = take_a_place(line_client, sessions)
    ticket_id, _ = ticket_address(page)
    _kiosk(line_client, sessions)
    form = line_client.get(FORM)

    empty = submit(line_client, form, FORM, code="", phone_last4="77")
    wrong = submit(line_client, form, FORM, code="Q-001", phone_last4="1234")
    unknown = submit(line_client, form, FORM, code="Q-042", phone_last4="0777")

    assert empty.status_code == 422
    assert _error(empty.text, "code").startswith("Type your ticket's number")
    assert _error(empty.text, "phone_last4").startswith("Type the last 4 digits")
    assert wrong.status_code == 409
    assert _error(wrong.text, "phone_last4").startswith("These are not the last 4 digits")
    assert 'value="Q-001"' in wrong.text and 'value="1234"' in wrong.text
    assert unknown.status_code == 409
    assert _error(unknown.text, "code").startswith("No ticket with this number was taken")
    with sessions() as session:
        assert session.get_one(Ticket, ticket_id).checked_in_at is None


def test_only_the_kiosk_of_the_office_may_check_in_and_only_with_its_form(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket_id, _ = ticket_address(take_a_place(line_client, sessions))
    sent = {"code": "Q-001", "phone_last4": "0777"}
    anonymous = line_client.post(FORM, data=sent)
    assert anonymous.url.path == "/staff/login"
    _kiosk(line_client, sessions)

    forged = line_client.post(FORM, data={"csrf_token": "x", **sent})

    assert forged.status_code == 403
    with sessions() as session:
        assert session.get_one(Ticket, ticket_id).checked_in_at is None
    assert line_client.get("/kiosk/big/phone-ticket").url.path == "/kiosk/big"


def test_a_check_in_shows_on_the_holders_page_at_once_in_a_busy_office(
    line_client: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = line_client.app.state.context  # type: ignore[attr-defined]
    # Busy for a minute, not a second: the office's line is kept across its changes
    # however slowly this test runs.
    monkeypatch.setattr(context.lines, "_settle", 60.0)
    page = take_a_place(line_client, sessions)  # the line worked out once
    ticket_id, secret = ticket_address(page)
    office_id = context.directory.office(context.sessions, "bsk").id
    run_transaction(context.sessions, lambda session: context.bus.publish(session, office_id))
    holder = line_client.get(f"/ticket/{ticket_id}?s={secret}")  # and again: a busy office
    assert "check in" in text(holder)
    _kiosk(line_client, sessions)
    form = line_client.get(link_to(line_client.get("/kiosk/bsk"), rf"^{FORM}$"))

    submit(line_client, form, FORM, code="q1", phone_last4="0777")

    holder = line_client.get(f"/ticket/{ticket_id}?s={secret}")
    assert "You are checked in. Wait for your number on the board." in text(holder)
