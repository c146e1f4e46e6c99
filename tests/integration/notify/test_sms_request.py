"""What the SMS gateway receives: the configured JSON body, filled and escaped, with the
Authorization and Idempotency-Key headers."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.channels import fill_sms_body
from kezek.notify.models import MessageStatus
from tests.fakes import FakeSmsGateway
from tests.fakes.fixtures import pointed_at
from tests.integration.notify.helpers import (
    PHONE,
    enqueue_all,
    message,
    outbox,
    outbox_key,
    relay_for,
)

TEMPLATE = '{"phone": "{to}", "message": "{text}", "from": "{sender}", "ref": "{key}"}'
AWKWARD = 'Сиз "K7M2QX" \\ жаздыңыз\nКелиңиз 🙂 {to} {key} \t\u2028 </script>'


def test_the_body_is_the_template_filled_with_json_escaped_values(
    settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    configured = pointed_at(settings, sms=sms_gateway).model_copy(
        update={"sms_body": TEMPLATE, "sms_sender": 'Ke"zek'}
    )
    sent = message("awkward", body=AWKWARD)
    enqueue_all(sessions, [sent])

    relay_for(sessions, configured).run_once()

    assert len(sms_gateway.received) == 1
    assert json.loads(sms_gateway.received[0].body) == {
        "phone": PHONE,
        "message": AWKWARD,  # "{to}" and "{key}" in the text are left as written
        "from": 'Ke"zek',
        "ref": outbox_key(sent),
    }
    assert outbox(sessions)["awkward"].status == MessageStatus.sent.value


def test_placeholders_in_a_value_are_not_filled_again() -> None:
    body = fill_sms_body(TEMPLATE, {"to": "{text}", "text": "{to}", "sender": "{key}", "key": "k"})

    assert json.loads(body) == {"phone": "{text}", "message": "{to}", "from": "{key}", "ref": "k"}


def test_the_authorization_and_idempotency_key_headers(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    gateway = FakeSmsGateway(authorization="Bearer gateway-secret").started()
    try:
        sent = message("headers")
        enqueue_all(sessions, [sent])

        relay_for(sessions, pointed_at(settings, sms=gateway)).run_once()
    finally:
        gateway.stop()

    headers = gateway.received[0].headers
    assert headers["authorization"] == "Bearer gateway-secret"
    assert headers["idempotency-key"] == outbox_key(sent)
    assert headers["content-type"] == "application/json"
    assert [m["key"] for m in gateway.delivered] == [outbox_key(sent)]


@pytest.mark.parametrize("authorization", [None, "Bearer a wrong one"])
def test_a_gateway_refusing_the_credentials_makes_a_dead_letter(
    settings: Settings, sessions: sessionmaker[Session], authorization: str | None
) -> None:
    gateway = FakeSmsGateway(authorization="Bearer gateway-secret").started()
    configured = pointed_at(settings, sms=gateway).model_copy(
        update={"sms_auth": SecretStr(authorization) if authorization else None}
    )
    try:
        enqueue_all(sessions, [message("unauthorised")])

        done = relay_for(sessions, configured).run_once()
    finally:
        gateway.stop()

    row = outbox(sessions)["unauthorised"]
    assert done.dead == 1 and gateway.delivered == []
    assert row.status == MessageStatus.dead.value
    assert row.last_error is not None and "401" in row.last_error
