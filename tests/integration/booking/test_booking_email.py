"""A booking may give an e-mail address: checked for its shape, kept as the booking's
contact, written to with the confirmation when e-mail is on; a wrong one is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import service
from kezek.booking.details import BookingRequest
from kezek.booking.models import Booking
from kezek.config import Settings
from kezek.errors import Invalid
from kezek.notify.models import Contact, OutboxMessage
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, phone, start_at
from tests.integration.booking.phones import app_client

# The one-statement path writes the contact in its SQL, the general one in Python.
pytestmark = BOTH_BOOKING_PATHS

BOOKINGS = "/api/v1/bookings"


@pytest.fixture
def mailing(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    """E-mail on (a server configured, never reached: no relay runs)."""
    yield from app_client(settings, smtp_host="127.0.0.1")


def _contacts(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str]]:
    with sessions() as session:
        return [
            (row.subject, row.channel, row.address, row.language)
            for row in session.scalars(select(Contact).order_by(Contact.subject))
        ]


def _mail(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "email").order_by(OutboxMessage.id)
        )
        return [(row.kind, row.address) for row in rows]


def test_the_address_is_kept_as_the_bookings_contact_and_written_to(
    mailing: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = booking_body(email="  Aibek.Asanov+kezek@Example.KG ")

    booked = mailing.post(BOOKINGS, json=body)

    assert booked.status_code == 201, booked.text
    reference = booked.json()["reference"]
    # The domain in lower case for the mail server; the local part as typed.
    address = "Aibek.Asanov+kezek@example.kg"
    assert _contacts(sessions) == [(f"booking:{reference}", "email", address, "ky")]
    assert ("confirmed", address) in _mail(sessions)


def test_the_contact_is_kept_even_while_e_mail_is_off(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    for client in app_client(settings):
        booked = client.post(BOOKINGS, json=booking_body(email="aibek@example.kg"))

    assert booked.status_code == 201
    assert [row[2] for row in _contacts(sessions)] == ["aibek@example.kg"]
    assert _mail(sessions) == []


def test_an_international_domain_is_kept_in_ascii(
    mailing: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = mailing.post(BOOKINGS, json=booking_body(email="aibek@почта.рф"))

    assert booked.status_code == 201
    assert _contacts(sessions)[0][2] == "aibek@xn--80a1acny.xn--p1ai"


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_no_address_is_no_contact(
    mailing: TestClient, sessions: sessionmaker[Session], blank: str | None
) -> None:
    booked = mailing.post(BOOKINGS, json=booking_body(email=blank))

    assert booked.status_code == 201
    assert _contacts(sessions) == []
    assert _mail(sessions) == []


@pytest.mark.parametrize(
    "wrong",
    [
        "aibek",
        "aibek@",
        "@example.kg",
        "aibek@example",
        "aibek@@example.kg",
        "ai bek@example.kg",
        "aibek@exa mple.kg",
        "aibek@-example.kg",
        "aibek@example..kg",
        ".aibek@example.kg",
        "aibek@127.0.0.1",
        "aibek@example.kg\u200b",
        "айбек@example.kg",
        f"{'a' * 65}@example.kg",
        f"aibek@{'a' * 250}.kg",
    ],
)
def test_a_wrong_address_is_refused_naming_the_field(
    mailing: TestClient, sessions: sessionmaker[Session], wrong: str
) -> None:
    response = mailing.post(BOOKINGS, json=booking_body(email=wrong))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["email"]
    assert errors[0]["message"]
    assert _contacts(sessions) == [] and _count_bookings(sessions) == 0


def test_the_refusal_says_how_to_write_an_address(mailing: TestClient) -> None:
    response = mailing.post(BOOKINGS, json=booking_body(email="aibek@example"))

    assert response.json()["errors"][0]["message"] == (
        "is not an e-mail address; write it as name@example.com, or leave it empty"
    )


def test_the_service_refuses_a_wrong_address_for_every_adapter(
    mailing: TestClient, sessions: sessionmaker[Session]
) -> None:
    """The pages call the service with what was typed: it checks the address too."""
    request = BookingRequest(
        office="bsk",
        service="quick",
        starts_at=datetime.fromisoformat(start_at()),
        document_number=document(1),
        full_name="Асанов Айбек",
        phone=phone(1),
        language="ru",
        email="aibek@example",
    )

    with pytest.raises(Invalid) as refused:
        service.create(mailing.app.state.context, request=request, client="203.0.113.1")

    assert refused.value.field == "email"
    assert _count_bookings(sessions) == 0


def _count_bookings(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Booking)) or 0
