"""The code step of the line from a phone: a code asked for again, the number changed, a
changed form refused, and a phone that took its place today already shown that ticket."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import Ticket

from . import line_pages
from .line_pages import PHONE, TYPED, asked_for_code, take_a_place, ticket_address
from .notify_pages import code_texts, last_code
from .pages import read, submit, text

clock, phone_line, line_client = line_pages.clock, line_pages.phone_line, line_pages.line_client


def test_a_phone_that_took_its_place_today_is_shown_the_same_ticket(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first = take_a_place(line_client, sessions)

    # A local number, read in the office's country: the same phone.
    asked = asked_for_code(line_client, phone="0555 000 777", service="long")
    again = submit(line_client, asked, "/line/bsk/code", code=last_code(sessions, PHONE))

    assert ticket_address(again) == ticket_address(first)
    assert "This phone number took this ticket earlier today. Here it is again." in text(again)
    assert "Q-001" in text(again)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_new_code_can_be_asked_for_and_only_it_works(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = asked_for_code(line_client)
    first = last_code(sessions, PHONE)

    resent = submit(line_client, asked, "/line/bsk/again")

    assert resent.status_code == 200
    assert "A new code is on its way." in text(resent)
    assert len(code_texts(sessions, PHONE)) == 2
    second = last_code(sessions, PHONE)
    if first != second:
        old = submit(line_client, resent, "/line/bsk/code", code=first)
        assert old.status_code == 422 and 'id="code-error"' in old.text
    page = submit(line_client, resent, "/line/bsk/code", code=second)
    assert "/ticket/" in str(page.url) and "Q-001" in text(page)


def test_a_mistyped_number_is_changed_on_the_code_page(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = asked_for_code(line_client, phone="+996 555 000 770")

    bad = submit(line_client, asked, "/line/bsk/phone", phone="555")
    assert bad.status_code == 422
    assert re.search(r'id="phone-error" role="alert">[^<]*with the country code', bad.text)
    assert 'value="555"' in bad.text  # what was typed stays, to correct it

    changed = submit(line_client, bad, "/line/bsk/phone", phone=TYPED)

    assert changed.status_code == 200
    assert "We sent a code by SMS to +996 555 000 777" in text(changed)
    page = submit(line_client, changed, "/line/bsk/code", code=last_code(sessions, PHONE))
    with sessions() as session:
        ticket = session.get_one(Ticket, ticket_address(page)[0])
    assert ticket.phone == PHONE


def test_a_changed_form_or_a_short_code_costs_nothing(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = asked_for_code(line_client)
    fields = {
        str(form["action"]): dict(form["fields"])  # type: ignore[call-overload]
        for form in read(asked).forms
    }["/line/bsk/code"]
    sealed = fields["pending"]
    forged = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")

    refused = line_client.post("/line/bsk/code", data={**fields, "pending": forged, "code": "1"})
    short = submit(line_client, asked, "/line/bsk/code", code="12 3")

    assert refused.status_code == 403 and "Please start again" in text(refused)
    assert short.status_code == 422 and "Type the 6 digits from the SMS." in text(short)
    # The sealed form names no document and carries the number enciphered.
    assert PHONE not in sealed


def test_with_htmx_the_code_page_comes_in_place_and_the_address_stays(
    line_client: TestClient,
) -> None:
    line_client.headers["Accept-Language"] = "en"
    form = line_client.get("/line/bsk")
    fields = {
        str(each["action"]): dict(each["fields"])  # type: ignore[call-overload]
        for each in read(form).forms
    }["/line/bsk"]

    asked = line_client.post(
        "/line/bsk",
        data={**fields, "service": "quick", "phone": TYPED},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )

    assert asked.status_code == 200 and 'action="/line/bsk/code"' in asked.text
    assert asked.headers["HX-Push-Url"] == "false"
