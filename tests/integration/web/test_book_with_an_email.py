"""A citizen gives an e-mail address with the booking, where e-mail goes out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from kezek.config import Settings
from kezek.notify.models import Contact, OutboxMessage
from tests.factories import document

from .notify_pages import EMAIL_ON, SMS_ON, app_client
from .pages import submit, text, to_details


@pytest.fixture
def with_email(settings: Settings, network: None) -> Iterator[TestClient]:
    yield from app_client(settings, **SMS_ON, **EMAIL_ON)


def test_the_email_given_is_kept_for_the_booking_and_the_page_says_where_news_went(
    with_email: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(with_email, "en")
    assert 'type="email"' in details.text and 'autocomplete="email"' in details.text
    assert "by SMS" in text(details)  # the SMS promised, since SMS goes out

    booked = submit(
        with_email,
        details,
        "/book/bsk/long/details",
        full_name="Асанов Айбек",
        phone="+996 555 123 456",
        email="Aibek.Asanov@Example.ORG",
        document_number=document(1),
    )

    assert booked.status_code == 200, text(booked)
    with sessions() as session:
        reference = session.scalar(select(Booking.reference))
        contact = session.scalar(select(Contact))
        emails = session.scalars(
            select(OutboxMessage.address).where(
                OutboxMessage.channel == "email", OutboxMessage.kind == "confirmed"
            )
        ).all()
    assert contact is not None
    assert (contact.subject, contact.channel) == (f"booking:{reference}", "email")
    # The domain in lower case so that mail finds its server; the name as typed.
    assert contact.address == "Aibek.Asanov@example.org"
    assert emails == ["Aibek.Asanov@example.org"]
    said = re.search(r'id="sent-to">(.*?)</p>', booked.text, re.S)
    assert said is not None
    assert "…3456" in said.group(1) and "A…@example.org" in said.group(1)
    assert "Aibek.Asanov" not in booked.text  # masked: recognisable, not copyable


def test_a_wrong_email_is_named_beside_its_field_and_what_was_typed_stays(
    with_email: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(with_email, "en")

    wrong = submit(
        with_email,
        details,
        "/book/bsk/long/details",
        full_name="Asanov Aibek",
        phone="+996 555 123 456",
        email="aibek@example",
        legal_stay_until="10.09.2030",
        document_number=document(1),
    )

    assert wrong.status_code == 422
    error = re.search(r'<p class="error" id="email-error">([^<]+)</p>', wrong.text)
    assert error is not None and "name@example.com" in error.group(1)
    assert 'href="#email"' in wrong.text  # the summary at the top leads to the field
    for typed in ("Asanov Aibek", "+996 555 123 456", "aibek@example", "10.09.2030"):
        assert f'value="{typed}"' in wrong.text
    assert document(1) not in wrong.text  # typed again, never written into a page
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_without_email_or_sms_on_the_form_neither_asks_nor_promises(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(client, "en")

    assert 'name="email"' not in details.text
    assert "by SMS" not in text(details)
    booked = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name="Asanov Aibek",
        phone="+996 555 123 456",
        email="aibek@example.org",  # sent anyway, by hand: not kept
        document_number=document(2),
    )
    assert booked.status_code == 200, text(booked)
    assert 'id="sent-to"' not in booked.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
