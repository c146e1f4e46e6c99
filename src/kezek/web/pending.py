"""A booking form waiting for its phone code, carried by the page itself.

While the citizen types the SMS code, the details they gave ride along in one hidden
field. The server keeps nothing between the two steps, so any process can take the
second. The field is a Fernet token (AES-128-CBC with HMAC-SHA256, from ``cryptography``)
under a key derived from the secret: pages never show the document number, so it is
enciphered, not only signed; a changed byte is refused before anything is read, and the
token lasts as long as a few codes do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

# Long enough for a slow SMS, a resent code and a changed number; a fresh form after.
PENDING_SECONDS = 30 * 60
_FIELDS = ("full_name", "phone", "email", "legal_stay_until")


@dataclass(frozen=True)
class Pending:
    """The details form as typed, the time it is for, and the form's idempotency key."""

    start: str
    key: str
    values: Mapping[str, str]
    document_number: str


def seal(secret: bytes, pending: Pending) -> str:
    payload = {
        "start": pending.start,
        "key": pending.key,
        "values": {name: pending.values.get(name, "") for name in _FIELDS},
        "document": pending.document_number,
    }
    return _fernet(secret).encrypt(json.dumps(payload).encode()).decode()


def unseal(secret: bytes, token: str) -> Pending | None:
    """The form a token carries, or None when it is forged, changed or too old."""
    try:
        data = _fernet(secret).decrypt(token.encode(), ttl=PENDING_SECONDS)
        payload = json.loads(data)
        values = {name: str(payload["values"].get(name, "")) for name in _FIELDS}
        return Pending(
            start=str(payload["start"]),
            key=str(payload["key"]),
            values=values,
            document_number=str(payload["document"]),
        )
    except (InvalidToken, KeyError, TypeError, ValueError, AttributeError):
        return None


def _fernet(secret: bytes, purpose: str = "pending-booking") -> Fernet:
    key = hmac.new(secret, f"kezek/{purpose}/v1".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal_form(secret: bytes, purpose: str, values: Mapping[str, str]) -> str:
    """Another form waiting for its phone code (an application to a draw), sealed alike
    under a key of its own purpose, so that no flow takes another's token."""
    return _fernet(secret, purpose).encrypt(json.dumps(dict(values)).encode()).decode()


def unseal_form(secret: bytes, purpose: str, token: str) -> dict[str, str] | None:
    try:
        payload = json.loads(_fernet(secret, purpose).decrypt(token.encode(), ttl=PENDING_SECONDS))
        return {str(name): str(value) for name, value in payload.items()}
    except (InvalidToken, TypeError, ValueError, AttributeError):
        return None
