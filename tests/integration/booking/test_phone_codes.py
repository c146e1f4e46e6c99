"""Asking for a one-time code: one SMS written with the code, kept hashed, sent to no one
when no SMS can go, and limited per phone and per address against SMS floods."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.notify.models import OutboxMessage, PhoneCode
from tests.factories import phone
from tests.integration.booking.phones import CODES, app_client, last_code, sms_texts


@pytest.fixture
def sms(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    yield from app_client(settings)


def _ask(client: TestClient, number: str, **overrides: str) -> dict[str, object]:
    body = {"office": "bsk", "phone": number, "language": "ru", **overrides}
    response = client.post(CODES, json=body)
    return {**response.json(), "http": response.status_code, "headers": response.headers}


def _rows(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(PhoneCode)) or 0,
            session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
        )


def test_a_code_is_written_with_its_sms_and_works_ten_minutes(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    before = datetime.now(UTC)

    sent = _ask(sms, "+996 555 123 456")

    assert sent["http"] == 202
    assert sent["phone"] == "+996555123456"
    expires = datetime.fromisoformat(str(sent["expires_at"]))
    assert before + timedelta(minutes=10) <= expires <= datetime.now(UTC) + timedelta(minutes=10)
    with sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
    assert (message.channel, message.address, message.kind) == (
        "sms",
        "+996555123456",
        "phone_code",
    )
    assert message.language == "ru"
    assert message.status == "queued"
    assert len(last_code(sessions, "+996555123456")) == 6


def test_the_code_is_kept_only_as_a_keyed_hash(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _ask(sms, "+996 555 123 456")
    code = last_code(sessions, "+996555123456")

    with sessions() as session:
        row = session.scalars(select(PhoneCode)).one()
        columns = [str(getattr(row, column.key)) for column in PhoneCode.__table__.columns]
    assert not any(code in value for value in columns)
    assert len(row.code_hash) == 64


def test_a_local_number_is_read_in_the_offices_country(sms: TestClient) -> None:
    in_bishkek = _ask(sms, "0555 123 456")
    in_moscow = _ask(sms, "8 916 123-45-67", office="big")

    assert in_bishkek["phone"] == "+996555123456"
    assert in_moscow["phone"] == "+79161234567"


def test_no_code_is_promised_when_no_sms_can_be_sent(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    app = create_app(settings.model_copy(update={"sms_url": ""}))
    with TestClient(app) as client:
        response = client.post(CODES, json={"office": "bsk", "phone": phone(1)})
    app.state.context.sessions.kw["bind"].dispose()

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "sms_unavailable"
    assert response.json()["errors"][0]["field"] == "phone"
    assert _rows(sessions) == (0, 0)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"office": "bsk", "phone": "12"}, 422, "phone"),
        ({"office": "bsk", "phone": "+996 555 123 456\u200b"}, 422, "phone"),
        ({"office": "nowhere", "phone": "+996 555 123 456"}, 404, "office"),
        ({"office": "bsk", "phone": "+996 555 123 456", "language": "de"}, 422, "language"),
        ({"office": "bsk", "phone": "+996 555 123 456", "extra": 1}, 422, "extra"),
    ],
)
def test_a_bad_request_names_its_field_and_sends_nothing(
    sms: TestClient,
    sessions: sessionmaker[Session],
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    response = sms.post(CODES, json=body)

    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field
    assert _rows(sessions) == (0, 0)


def test_the_sms_is_in_the_language_asked_for(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _ask(sms, phone(1), language="ky")
    _ask(sms, phone(2), language="en")

    with sessions() as session:
        languages = session.scalars(select(OutboxMessage.language).order_by(OutboxMessage.id))
        assert list(languages) == ["ky", "en"]
    assert sms_texts(sessions, "+996555000002")[0].startswith("Kezek code: ")


def test_one_phone_from_many_addresses_hits_the_phone_limit(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    """Someone flooding a stranger's phone with codes from many addresses: five SMS an
    hour reach it, then every address is refused."""
    answers = []
    for n in range(8):
        for client in app_client(settings, address=f"198.51.100.{n + 1}"):
            answers.append(_ask(client, "+996 555 123 456"))

    assert [answer["http"] for answer in answers] == [202] * 5 + [429] * 3
    refused = answers[-1]
    assert refused["limit"] == "phone-code-phone"
    headers = refused["headers"]
    assert isinstance(headers, Mapping)
    assert 0 < int(headers["retry-after"]) <= 3600
    assert len(sms_texts(sessions, "+996555123456")) == 5


def test_many_phones_from_one_address_hit_the_address_limit(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    """A bot spending the SMS budget on numbers of its own from one address."""
    tight = {"limit_phone_codes_per_address_hour": 4}
    for client in app_client(settings, **tight):
        answers = [_ask(client, phone(n)) for n in range(1, 8)]
    for other in app_client(settings, address="198.51.100.9", **tight):
        elsewhere = _ask(other, phone(9))

    assert [answer["http"] for answer in answers] == [202] * 4 + [429] * 3
    refused = answers[-1]
    assert refused["limit"] == "phone-code-address"
    headers = refused["headers"]
    assert isinstance(headers, Mapping)
    assert 0 < int(headers["retry-after"]) <= 3600
    assert headers["content-type"] == "application/problem+json"
    assert elsewhere["http"] == 202  # another address keeps its own budget
    assert _rows(sessions) == (5, 5)


def test_a_limit_of_zero_is_no_limit(settings: Settings, engine: Engine, network: None) -> None:
    for client in app_client(settings, limit_phone_codes_per_phone_hour=0):
        answers = {_ask(client, phone(1))["http"] for _ in range(8)}

    assert answers == {202}
