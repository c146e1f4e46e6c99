"""Typing the code back: the right one gives a proof once, a wrong one costs one of five
tries, and after ten minutes or a newer code it no longer works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import service
from kezek.config import Settings
from kezek.notify.models import PhoneCode
from kezek.notify.verification import CodeRefused
from tests.factories import phone
from tests.integration.booking.phones import (
    CODES,
    VERIFY,
    app_client,
    last_code,
    wrong_code,
)
from tests.integration.booking.racing import race

NUMBER = "+996555123456"


@pytest.fixture
def sms(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    yield from app_client(settings)


def _send(client: TestClient, number: str = NUMBER) -> None:
    sent = client.post(CODES, json={"office": "bsk", "phone": number})
    assert sent.status_code == 202, sent.text


def _verify(client: TestClient, code: str, number: str = NUMBER) -> dict[str, object]:
    response = client.post(VERIFY, json={"office": "bsk", "phone": number, "code": code})
    return {**response.json(), "http": response.status_code}


def _tries(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(PhoneCode.tries).order_by(PhoneCode.id)))


def test_the_right_code_gives_a_proof_good_for_two_hours(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms)

    answer = _verify(sms, last_code(sessions, NUMBER))

    assert answer["http"] == 200
    until = datetime.fromisoformat(str(answer["valid_until"]))
    assert timedelta(minutes=119) < until - datetime.now(UTC) <= timedelta(hours=2)
    assert str(answer["phone_proof"]).startswith(f"{int(until.timestamp())}.")


def test_the_number_may_be_typed_otherwise_and_the_code_with_spaces(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms, "+996 555 123 456")
    code = last_code(sessions, NUMBER)

    answer = _verify(sms, f"{code[:3]} {code[3:]}", number="0555 123-456")

    assert answer["http"] == 200


def test_a_code_works_once(sms: TestClient, sessions: sessionmaker[Session]) -> None:
    _send(sms)
    code = last_code(sessions, NUMBER)
    _verify(sms, code)

    again = _verify(sms, code)

    assert again["http"] == 422
    assert again["code"] == "phone_code_refused"


def test_a_wrong_code_names_the_field_and_the_tries_left(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms)

    answer = _verify(sms, wrong_code(last_code(sessions, NUMBER)))

    assert answer["http"] == 422
    assert answer["code"] == "phone_code_refused"
    assert answer["tries_left"] == 4
    assert answer["errors"] == [{"field": "code", "message": answer["detail"]}]
    assert "4 tries left" in str(answer["detail"])
    assert _tries(sessions) == [1]  # the wrong try is kept, though the answer is a refusal


def test_after_five_wrong_tries_the_code_is_dead(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms)
    code = last_code(sessions, NUMBER)

    wrong = [_verify(sms, wrong_code(code)) for _ in range(5)]
    right = _verify(sms, code)

    assert [answer["tries_left"] for answer in wrong] == [4, 3, 2, 1, 0]
    assert "last try" in str(wrong[-1]["detail"])
    assert right["http"] == 422
    assert right["tries_left"] == 0
    assert "Ask for a new code" in str(right["detail"])


def test_a_new_code_works_after_a_dead_one_and_replaces_it(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms)
    first = last_code(sessions, NUMBER)
    _send(sms)
    second = last_code(sessions, NUMBER)

    old = _verify(sms, first) if first != second else {"http": 422}
    new = _verify(sms, second)

    assert old["http"] == 422
    assert new["http"] == 200


def test_a_code_that_is_not_six_digits_costs_no_try(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms)

    answers = [_verify(sms, typed) for typed in ("12345", "1234567", "abcdef", "١٢٣٤٥٦")]

    assert {answer["http"] for answer in answers} == {422}
    assert "6 digits" in str(answers[0]["detail"])
    assert _tries(sessions) == [0]
    assert _verify(sms, last_code(sessions, NUMBER))["http"] == 200


@pytest.mark.parametrize(("minutes", "works"), [(9.9, True), (10, False)])
def test_a_code_expires_after_ten_minutes(
    sms: TestClient,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    minutes: float,
    works: bool,
) -> None:
    _send(sms)
    later = datetime.now(UTC) + timedelta(minutes=minutes)
    monkeypatch.setattr(service, "utcnow", lambda: later)

    answer = _verify(sms, last_code(sessions, NUMBER))

    assert (answer["http"] == 200) is works
    if not works:
        assert "expired" in str(answer["detail"])


def test_a_code_sent_to_one_number_proves_no_other(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    _send(sms, phone(1))

    answer = _verify(sms, last_code(sessions, "+996555000001"), number=phone(2))

    assert answer["http"] == 422
    assert answer["code"] == "phone_code_refused"


def test_guessing_across_many_numbers_from_one_address_is_limited(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    """Each code allows five tries; an address gets five tries per code it may ask for."""
    for client in app_client(settings, limit_phone_codes_per_address_hour=2):
        wrong = {}
        for n in (1, 2):
            _send(client, phone(n))
            wrong[n] = wrong_code(last_code(sessions, f"+99655500000{n}"))
        guesses = [_verify(client, wrong[1 + n % 2], number=phone(1 + n % 2)) for n in range(12)]

    statuses = [guess["http"] for guess in guesses]
    assert statuses[:10] == [422] * 10
    assert statuses[10:] == [429, 429]
    assert guesses[-1]["limit"] == "phone-try-address"


def test_guesses_sent_at_once_get_five_tries_in_all(
    sms: TestClient, sessions: sessionmaker[Session]
) -> None:
    """A bot sending its guesses at the same instant, hoping they all read "0 tries so
    far": the count is taken under the code's row lock, so five is five."""
    _send(sms)
    code = last_code(sessions, NUMBER)
    context = sms.app.state.context
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 13)]

    answers = race(
        len(guesses),
        lambda n: service.confirm_phone(
            context, office="bsk", phone=NUMBER, code=guesses[n], client=f"198.51.100.{n}"
        ),
    )

    assert all(isinstance(answer, CodeRefused) for answer in answers)
    assert _tries(sessions) == [5]
    told = sorted(
        answer.extra["tries_left"] for answer in answers if isinstance(answer, CodeRefused)
    )
    assert told == [0] * 8 + [1, 2, 3, 4]
    assert _verify(sms, code)["http"] == 422
