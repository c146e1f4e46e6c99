"""Shortcuts for the phone-code tests: a server whose SMS gateway is configured, an office
that asks for a proven phone, and the code read from its SMS in the outbox.

The code is kept only as a keyed hash, so the tests read it where a phone would: in the
text of the SMS the relay is to send (no relay runs, so nothing leaves the machine).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.notify.models import OutboxMessage
from tests.factories import NETWORK_TOML, booking_body

# Port 9 (discard): configured, so the SMS channel is on, and never reached.
SMS_ON = {"sms_url": "http://127.0.0.1:9/sms"}
CODES = "/api/v1/phone-codes"
VERIFY = "/api/v1/phone-codes/verify"

# The test network with Bishkek asking for a proven phone; Osh ("mix") does not.
_BISHKEK_WINDOWS = '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]'
assert NETWORK_TOML.count(_BISHKEK_WINDOWS) == 1
VERIFYING_NETWORK = NETWORK_TOML.replace(
    _BISHKEK_WINDOWS, "[offices.queue]\nverify_phone = true\n\n" + _BISHKEK_WINDOWS
)


def load_verifying_network(sessions: sessionmaker[Session]) -> None:
    spec = parse_network(VERIFYING_NETWORK, source="verifying-network.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))


def app_client(
    settings: Settings, *, address: str = "203.0.113.1", **overrides: Any
) -> Iterator[TestClient]:
    """The server with SMS on, seen from ``address``, with these settings changed."""
    app = create_app(settings.model_copy(update={**SMS_ON, **overrides}))
    with TestClient(app, client=(address, 50000)) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def sms_texts(sessions: sessionmaker[Session], phone: str) -> list[str]:
    """The texts of the code SMS to ``phone`` (E.164), oldest first."""
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.kind == "phone_code", OutboxMessage.address == phone)
                .order_by(OutboxMessage.id)
            )
        )


def last_code(sessions: sessionmaker[Session], phone: str) -> str:
    """The 6 digits of the latest code SMS to ``phone``, as its holder reads them."""
    texts = sms_texts(sessions, phone)
    assert texts, f"no code SMS to {phone}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts[-1]
    return found.group(1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def proof_for(
    client: TestClient, sessions: sessionmaker[Session], phone: str, office: str = "bsk"
) -> str:
    """Ask for a code, read it from the SMS and type it back: the proof of ``phone``."""
    sent = client.post(CODES, json={"office": office, "phone": phone, "language": "ky"})
    assert sent.status_code == 202, sent.text
    number = sent.json()["phone"]
    verified = client.post(
        VERIFY, json={"office": office, "phone": phone, "code": last_code(sessions, number)}
    )
    assert verified.status_code == 200, verified.text
    proof: str = verified.json()["phone_proof"]
    return proof


def verified_body(
    client: TestClient, sessions: sessionmaker[Session], **overrides: Any
) -> dict[str, Any]:
    """A booking body with the proof of its own phone."""
    body = booking_body(**overrides)
    return {**body, "phone_proof": proof_for(client, sessions, body["phone"], body["office"])}
