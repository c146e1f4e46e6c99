"""Where phones must be proven, the details form asks for the SMS code, then books: as on a
phone with JavaScript off, each step a form post."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, Citizen
from kezek.config import Settings
from tests.factories import document

from .notify_pages import SMS_ON, app_client, code_texts, last_code, wrong_code
from .pages import read, submit, text, to_details

CODE = "/book/bsk/long/details/code"
PHONE = "+996555123456"


@pytest.fixture
def verifying(settings: Settings, network: None) -> Iterator[TestClient]:
    yield from app_client(settings, **SMS_ON, verify_phones=True)


def _details_sent(client: TestClient) -> Response:
    return submit(
        client,
        to_details(client, "en"),
        "/book/bsk/long/details",
        full_name="Asanov Aibek",
        phone="+996 555 123 456",
        document_number=document(1),
    )


def _bookings(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Booking)) or 0


def test_a_wrong_code_is_named_beside_the_code_field_and_the_right_one_books(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = _details_sent(verifying)

    assert asked.status_code == 200, text(asked)
    assert "We sent a code by SMS to +996 555 123 456" in text(asked)
    field = re.search(r'<input id="code"[^>]*>', asked.text)
    assert field is not None
    assert (
        'inputmode="numeric"' in field.group() and 'autocomplete="one-time-code"' in field.group()
    )
    assert len(code_texts(sessions, PHONE)) == 1
    assert _bookings(sessions) == 0
    # The details ride along sealed: the document number is nowhere in the page.
    assert document(1) not in asked.text and "AC0000001" not in asked.text
    code = last_code(sessions, PHONE)

    wrong = submit(verifying, asked, CODE, code=wrong_code(code))

    assert wrong.status_code == 422
    error = re.search(r'<p class="error" id="code-error"[^>]*>([^<]+)</p>', wrong.text)
    assert error is not None and "4 tries left" in error.group(1)
    assert 'aria-describedby="code-error code-hint"' in wrong.text
    assert _bookings(sessions) == 0

    booked = submit(verifying, wrong, CODE, code=code)

    assert booked.status_code == 200, text(booked)
    assert "You are booked" in text(booked)
    with sessions() as session:
        stored = session.execute(select(Booking.status, Citizen.phone).join(Citizen)).one()
    assert tuple(stored) == ("confirmed", PHONE)


def test_a_code_of_the_wrong_length_costs_no_try(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = _details_sent(verifying)
    code = last_code(sessions, PHONE)

    short = submit(verifying, asked, CODE, code="123")
    first_wrong = submit(verifying, short, CODE, code=wrong_code(code))

    assert short.status_code == 422 and "Type the 6 digits from the SMS." in text(short)
    # Still all five tries when the first real guess is made.
    assert "4 tries left" in text(first_wrong)


def test_a_changed_or_forged_form_is_refused_before_anything_is_checked(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = _details_sent(verifying)
    fields = {
        str(form["action"]): dict(form["fields"])  # type: ignore[call-overload]
        for form in read(asked).forms
    }[CODE]
    sealed = fields["pending"]
    forged = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")

    refused = verifying.post(CODE, data={**fields, "pending": forged, "code": "000000"})

    assert refused.status_code == 403 and "Please start again" in text(refused)
    assert _bookings(sessions) == 0


def test_with_htmx_the_code_form_comes_in_place_of_the_details_form(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(verifying, "en")
    fields = {
        str(form["action"]).split("?")[0]: dict(form["fields"])  # type: ignore[call-overload]
        for form in read(details).forms
    }["/book/bsk/long/details"]

    asked = verifying.post(
        "/book/bsk/long/details",
        data={
            **fields,
            "full_name": "Asanov Aibek",
            "phone": "+996 555 123 456",
            "document_number": document(1),
        },
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )

    assert asked.status_code == 200
    assert f'action="{CODE}"' in asked.text
    # The address stays the form's own: a reload opens the form, not a POST's answer.
    assert asked.headers["HX-Push-Url"] == "false"
