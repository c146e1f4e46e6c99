"""Proving that a phone number is the citizen's: a one-time code sent by SMS, typed back.

The code is six digits, kept only as a keyed hash, good for ten minutes and five tries;
typed back right, it gives a signed proof (the phone and an expiry, keyed with the secret)
that the booking and the line from a phone take instead of asking again. The proof is
stateless, so every server process can check it, and it names its phone, so a proof for
one number cannot book with another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, select, update

from kezek.errors import Invalid
from kezek.i18n.catalogs import translations
from kezek.notify.models import Channel, PhoneCode
from kezek.notify.outbox import Address, Message, enqueue

CODE_VALID = timedelta(minutes=10)
MAX_TRIES = 5
PROOF_VALID = timedelta(hours=2)
# Spent and expired codes are purged after this.
PHONE_PROOF_KEPT = timedelta(days=1)
CODE_TABLE: Table = PhoneCode.__table__  # type: ignore[assignment]


class CodeRefused(Invalid):
    code = "phone_code_refused"
    title = "The code is not right"


class PhoneNotVerified(Invalid):
    code = "phone_not_verified"
    title = "Confirm your phone number first"


def _code_hash(phone: str, code: str, secret: bytes) -> str:
    return hmac.new(secret, f"phone-code/{phone}/{code}".encode(), hashlib.sha256).hexdigest()


def send_code(
    connection: Connection, *, phone: str, language: str, secret: bytes, now: datetime
) -> datetime:
    """Write a new code and its SMS; earlier codes of the phone stop working. Returns
    when the code expires."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    connection.execute(
        update(CODE_TABLE)
        .where(CODE_TABLE.c.phone == phone, CODE_TABLE.c.verified_at.is_(None))
        .values(expires_at=now)
    )
    expires = now + CODE_VALID
    connection.execute(
        CODE_TABLE.insert().values(
            phone=phone,
            code_hash=_code_hash(phone, code, secret),
            tries=0,
            expires_at=expires,
            created_at=now,
        )
    )
    gettext = translations(language).gettext
    text = gettext("Kezek code: %(code)s. It works for 10 minutes. Do not give it to anyone.")
    message = Message(
        key=f"phone-code:{phone}:{int(now.timestamp() * 1000)}:{secrets.token_hex(4)}",
        subject=f"phone:{phone[-12:]}",
        kind="phone_code",
        to=Address(Channel.sms, phone, language),
        body=text % {"code": code},
        due_at=now,
    )
    enqueue(connection, [message], now=now)
    return expires


def confirm_code(
    connection: Connection, *, phone: str, code: str, secret: bytes, now: datetime
) -> str:
    """The proof for the phone if ``code`` is its current code; refused otherwise."""
    row = connection.execute(
        select(CODE_TABLE.c.id, CODE_TABLE.c.code_hash, CODE_TABLE.c.tries)
        .where(
            CODE_TABLE.c.phone == phone,
            CODE_TABLE.c.verified_at.is_(None),
            CODE_TABLE.c.expires_at > now,
        )
        .order_by(CODE_TABLE.c.id.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if row is None:
        raise CodeRefused(
            "This code has expired or was never sent to this number. Ask for a new code.",
            field="code",
        )
    if row.tries >= MAX_TRIES:
        raise CodeRefused("Too many wrong codes. Ask for a new code.", field="code")
    digits = "".join(char for char in code if char.isdigit())
    if not hmac.compare_digest(row.code_hash, _code_hash(phone, digits, secret)):
        connection.execute(
            update(CODE_TABLE).where(CODE_TABLE.c.id == row.id).values(tries=row.tries + 1)
        )
        left = MAX_TRIES - row.tries - 1
        raise CodeRefused(
            f"The code is not right: check the SMS and type its 6 digits ({left} tries left).",
            field="code",
        )
    connection.execute(
        update(CODE_TABLE)
        .where(CODE_TABLE.c.id == row.id)
        .values(verified_at=now, tries=row.tries + 1)
    )
    return phone_proof(phone, secret=secret, until=now + PROOF_VALID)


def phone_proof(phone: str, *, secret: bytes, until: datetime) -> str:
    stamp = int(until.timestamp())
    return f"{stamp}.{_signature(phone, stamp, secret)}"


def check_proof(proof: str | None, *, phone: str, secret: bytes, now: datetime) -> None:
    """Refuse unless ``proof`` was given for this phone and has not expired."""
    refused = PhoneNotVerified(
        "Confirm this phone number with the code we send by SMS, then book.", field="phone"
    )
    if not proof or "." not in proof:
        raise refused
    stamp_text, signature = proof.split(".", 1)
    if not stamp_text.isdigit() or int(stamp_text) < now.timestamp():
        raise refused
    if not hmac.compare_digest(signature, _signature(phone, int(stamp_text), secret)):
        raise refused


def _signature(phone: str, stamp: int, secret: bytes) -> str:
    return hmac.new(secret, f"phone-proof/{phone}/{stamp}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]
