"""Booking where the phone must be proven: no proof of the booking's own phone, no booking,
and nothing written or counted; where no proof is asked, booking goes on as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import service
from kezek.booking.models import Booking, Citizen
from kezek.config import Settings
from kezek.notify.models import Contact, OutboxMessage
from kezek.notify.verification import phone_proof
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, phone, start_at
from tests.integration.booking.phones import (
    app_client,
    load_verifying_network,
    proof_for,
    verified_body,
)

# The check comes before either booking path; both are run to see it holds on each.
pytestmark = BOTH_BOOKING_PATHS

BOOKINGS = "/api/v1/bookings"


@pytest.fixture
def verifying(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    """Bishkek asks for a proven phone; Osh does not; one booking a day per document."""
    load_verifying_network(sessions)
    yield from app_client(settings, limit_bookings_per_document_day=1)


def _count(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Booking, Citizen, OutboxMessage, Contact)
        }


def _refused_as_unverified(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "phone_not_verified"
    assert problem["errors"] == [{"field": "phone", "message": problem["detail"]}]


def test_send_verify_book(verifying: TestClient, sessions: sessionmaker[Session]) -> None:
    body = verified_body(verifying, sessions)

    booked = verifying.post(BOOKINGS, json=body)

    assert booked.status_code == 201, booked.text
    assert booked.json()["phone"] == "+996555000001"


def test_without_a_proof_nothing_is_written_nor_counted_against_the_document(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    refused = [verifying.post(BOOKINGS, json=booking_body()) for _ in range(3)]
    before = _count(sessions)

    for response in refused:
        _refused_as_unverified(response)
    assert before == {"booking": 0, "citizen": 0, "notify_outbox": 0, "notify_contact": 0}
    # One booking a day per document: the refusals used none of it.
    assert verifying.post(BOOKINGS, json=verified_body(verifying, sessions)).status_code == 201


def test_an_office_that_asks_no_proof_books_without_one(verifying: TestClient) -> None:
    body = booking_body(office="mix", start=start_at("mix"))

    assert service.phone_check_needed(verifying.app.state.context, office="mix") is False
    assert service.phone_check_needed(verifying.app.state.context, office="bsk") is True
    assert verifying.post(BOOKINGS, json=body).status_code == 201


def test_the_network_wide_setting_asks_it_of_every_office(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    for client in app_client(settings, verify_phones=True):
        body = booking_body(office="mix", start=start_at("mix"))
        _refused_as_unverified(client.post(BOOKINGS, json=body))
        proven = verified_body(client, sessions, **body)
        assert client.post(BOOKINGS, json=proven).status_code == 201


def test_no_proof_is_asked_when_neither_asks(
    settings: Settings, engine: Engine, network: None
) -> None:
    for client in app_client(settings):
        assert client.post(BOOKINGS, json=booking_body()).status_code == 201


def test_a_proof_for_another_phone_is_refused(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    """A tout proves their own number once and books strangers with other numbers."""
    proof = proof_for(verifying, sessions, phone(1))

    response = verifying.post(
        BOOKINGS,
        json={**booking_body(document_number=document(2), phone=phone(2)), "phone_proof": proof},
    )

    _refused_as_unverified(response)
    assert _count(sessions)["booking"] == 0


def test_a_proof_is_for_the_number_however_it_is_typed(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    proof = proof_for(verifying, sessions, "0555 000 001")

    response = verifying.post(
        BOOKINGS, json={**booking_body(phone="+996 555 000-001"), "phone_proof": proof}
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "forged",
    ["", "1.abc", "99999999999.0123456789abcdef0123456789abcdef", "²."],
)
def test_a_forged_proof_is_refused(verifying: TestClient, forged: str) -> None:
    response = verifying.post(BOOKINGS, json={**booking_body(), "phone_proof": forged})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"phone", "phone_proof"}


def test_a_proof_signed_with_another_secret_is_refused(verifying: TestClient) -> None:
    until = datetime.now(UTC) + timedelta(hours=1)
    forged = phone_proof("+996555000001", secret=b"some other secret", until=until)

    _refused_as_unverified(verifying.post(BOOKINGS, json={**booking_body(), "phone_proof": forged}))


def test_a_proof_works_two_hours(
    verifying: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = verified_body(verifying, sessions)
    later = datetime.now(UTC) + timedelta(hours=2, seconds=1)
    monkeypatch.setattr(service, "utcnow", lambda: later)

    _refused_as_unverified(verifying.post(BOOKINGS, json=body))


def test_the_phone_cap_counts_the_proven_phone(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """A tout with one proven number still books only as many as the cap allows."""
    load_verifying_network(sessions)
    for client in app_client(settings, limit_bookings_per_phone=2):
        shared = proof_for(client, sessions, "+996 700 111 222")
        answers = [
            client.post(
                BOOKINGS,
                json={
                    **booking_body(
                        document_number=document(n),
                        phone="+996 700 111 222",
                        start=start_at(hour=9 + n),
                    ),
                    "phone_proof": shared,
                },
            )
            for n in (1, 2, 3)
        ]

    assert [answer.status_code for answer in answers] == [201, 201, 409]
    assert answers[-1].json()["code"] == "phone_booking_limit"


def test_no_document_number_reaches_the_outbox(
    verifying: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = verified_body(verifying, sessions, document_number="AC 123-4567")
    assert verifying.post(BOOKINGS, json=body).status_code == 201

    with sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        written = [
            str(getattr(row, column.key))
            for row in rows
            for column in OutboxMessage.__table__.columns
        ]
    assert {row.kind for row in rows} >= {"phone_code", "confirmed"}
    assert not any("1234567" in value for value in written)
