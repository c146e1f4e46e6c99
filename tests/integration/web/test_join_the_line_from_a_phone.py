"""A citizen takes a place in today's line from the office's page, as on a phone with
JavaScript off: the service and the number, the SMS code, then the ticket's page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import Ticket

from . import line_pages
from .line_pages import PHONE, TYPED, asked_for_code, ticket_address
from .notify_pages import code_texts, last_code, wrong_code
from .pages import link_to, read, submit, text

clock, phone_line, line_client = line_pages.clock, line_pages.phone_line, line_pages.line_client


def test_the_office_page_offers_a_place_in_todays_line_and_says_to_check_in(
    line_client: TestClient,
) -> None:
    line_client.headers["Accept-Language"] = "en"
    office = line_client.get("/book/bsk")

    words = text(office)
    assert "Take a place in today's line from your phone" in words
    assert "From 00:00 (office time)" in words
    assert "you are called only after you check in" in words
    form = line_client.get(link_to(office, r"^/line/bsk$"))
    assert form.status_code == 200
    assert "A place in today's line, from your phone" in text(form)
    # Each active service is a choice; the phone field is typed as a phone's keyboard wants.
    choices = re.findall(r'<input type="radio" name="service" value="(\w+)"', form.text)
    assert choices == ["quick", "long", "other"]
    phone = re.search(r'<input id="phone"[^>]*>', form.text)
    assert phone and 'type="tel"' in phone.group() and 'autocomplete="tel"' in phone.group()


def test_the_right_code_takes_the_place_and_opens_the_tickets_page(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = asked_for_code(line_client)

    assert asked.status_code == 200, text(asked)
    assert "We sent a code by SMS to +996 555 000 777" in text(asked)
    assert len(code_texts(sessions, PHONE)) == 1
    with sessions() as session:
        assert session.scalars(select(Ticket)).all() == []
    code = last_code(sessions, PHONE)

    wrong = submit(line_client, asked, "/line/bsk/code", code=wrong_code(code))

    assert wrong.status_code == 422
    error = re.search(r'<p class="error" id="code-error"[^>]*>([^<]+)</p>', wrong.text)
    assert error is not None and "4 tries left" in error.group(1)

    page = submit(line_client, wrong, "/line/bsk/code", code=code)

    assert page.status_code == 200, text(page)
    ticket_id, secret = ticket_address(page)
    words = text(page)
    assert "Q-001" in words
    assert "You will be called only after you check in at the office" in words
    with sessions() as session:
        ticket = session.get_one(Ticket, ticket_id)
    assert ticket.remote and ticket.phone == PHONE and ticket.language == "en"
    assert ticket.checked_in_at is None and secret


def test_a_missing_service_and_a_bad_number_are_named_and_what_was_typed_is_kept(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    line_client.headers["Accept-Language"] = "en"
    form = line_client.get("/line/bsk")
    fields = {
        str(each["action"]): dict(each["fields"])  # type: ignore[call-overload]
        for each in read(form).forms
    }["/line/bsk"]

    refused = line_client.post("/line/bsk", data={**fields, "phone": "12 34"})

    assert refused.status_code == 422
    service = re.search(r'<p class="error" id="service-error">([^<]+)</p>', refused.text)
    phone = re.search(r'<p class="error" id="phone-error">([^<]+)</p>', refused.text)
    assert service and "Choose the service you need from the list." in service.group(1)
    assert phone and "with the country code" in phone.group(1)
    assert 'value="12 34"' in refused.text and 'aria-invalid="true"' in refused.text
    assert code_texts(sessions, PHONE) == []

    chosen = submit(line_client, refused, "/line/bsk", service="long", phone="nonsense")

    assert chosen.status_code == 422
    assert re.search(r'value="long" checked', chosen.text)


def test_a_form_from_elsewhere_is_refused_and_an_office_without_the_line_says_so(
    line_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    line_client.headers["Accept-Language"] = "en"
    forged = line_client.post(
        "/line/bsk", data={"csrf_token": "forged", "service": "quick", "phone": TYPED}
    )

    assert forged.status_code == 403 and "Please start again" in text(forged)
    assert code_texts(sessions, PHONE) == []
    other = line_client.get("/line/big")
    assert other.status_code == 404
    assert "This office gives tickets at its kiosk only" in text(other)
    assert "Take a place in today's line" not in text(line_client.get("/book/big"))
    assert line_client.get("/line/nowhere").status_code == 404
