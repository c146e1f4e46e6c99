"""On the code page: the code sent again, or sent to a corrected number."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Citizen
from kezek.config import Settings
from tests.factories import document

from .notify_pages import SMS_ON, app_client, code_texts, last_code
from .pages import submit, text, to_details

CODE = "/book/bsk/long/details/code"
AGAIN = "/book/bsk/long/details/again"
CHANGE = "/book/bsk/long/details/phone"


@pytest.fixture
def verifying(settings: Settings, network: None) -> Iterator[TestClient]:
    yield from app_client(settings, **SMS_ON, verify_phones=True)


def _code_page(client: TestClient, phone: str) -> Response:
    return submit(
        client,
        to_details(client, "en"),
        "/book/bsk/long/details",
        full_name="Asanov Aibek",
        phone=phone,
        document_number=document(1),
    )


def test_a_code_sent_again_replaces_the_first_and_books(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = _code_page(verifying, "+996 555 123 456")
    first = last_code(sessions, "+996555123456")

    again = submit(verifying, asked, AGAIN)

    assert again.status_code == 200
    assert "A new code is on its way" in text(again)
    assert len(code_texts(sessions, "+996555123456")) == 2
    second = last_code(sessions, "+996555123456")
    if first != second:  # one chance in a million that they are the same
        stale = submit(verifying, again, CODE, code=first)
        assert stale.status_code == 422 and "The code is not right" in text(stale)
    booked = submit(verifying, again, CODE, code=second)
    assert "You are booked" in text(booked)


def test_a_mistyped_number_is_changed_and_the_booking_has_the_new_one(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    asked = _code_page(verifying, "+996 555 123 450")

    not_a_number = submit(verifying, asked, CHANGE, phone="12")

    assert not_a_number.status_code == 422
    error = re.search(r'<p class="error" id="phone-error"[^>]*>([^<]+)</p>', not_a_number.text)
    assert error is not None and "country code" in error.group(1)
    assert 'value="12"' in not_a_number.text  # what was typed stays, to be corrected

    changed = submit(verifying, not_a_number, CHANGE, phone="+996 555 123 456")

    assert "We sent a code by SMS to +996 555 123 456" in text(changed)
    booked = submit(verifying, changed, CODE, code=last_code(sessions, "+996555123456"))
    assert "You are booked" in text(booked)
    with sessions() as session:
        assert session.scalar(select(Citizen.phone)) == "+996555123456"
