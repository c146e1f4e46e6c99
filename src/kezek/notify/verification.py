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
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Table, select, update

from kezek.errors import Invalid
from kezek.i18n.catalogs import translations
from kezek.notify.models import Channel, PhoneCode
from kezek.notify.outbox import Address, Message, enqueue

CODE_DIGITS = 6
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
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
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
) -> str | CodeRefused:
    """The proof for the phone if ``code`` is its current code, or else the refusal.

    The refusal is returned, not raised: a wrong try is counted in this transaction, and
    the caller must commit it before refusing, or a rollback would give a guesser every
    try back.
    """
    digits = "".join(char for char in code if char in "0123456789")
    if len(digits) != CODE_DIGITS:
        # Not a guess at all (a typo of length): it costs no try.
        return CodeRefused(
            f"The code has {CODE_DIGITS} digits: type them as the SMS shows them.", field="code"
        )
    row = connection.execute(
        select(CODE_TABLE.c.id, CODE_TABLE.c.code_hash, CODE_TABLE.c.tries)
        .where(
            CODE_TABLE.c.phone == phone,
            CODE_TABLE.c.verified_at.is_(None),
            CODE_TABLE.c.expires_at > now,
        )
        .order_by(CODE_TABLE.c.id.desc())
        .limit(1)
        # Two tries at once must not both read the same count.
        .with_for_update()
    ).first()
    if row is None:
        return CodeRefused(
            "This code has expired or was never sent to this number. Ask for a new code.",
            field="code",
            tries_left=0,
        )
    if row.tries >= MAX_TRIES:
        return CodeRefused("Too many wrong codes. Ask for a new code.", field="code", tries_left=0)
    if not hmac.compare_digest(row.code_hash, _code_hash(phone, digits, secret)):
        connection.execute(
            update(CODE_TABLE).where(CODE_TABLE.c.id == row.id).values(tries=row.tries + 1)
        )
        left = MAX_TRIES - row.tries - 1
        advice = (
            f"check the SMS and type its {CODE_DIGITS} digits ({left} tries left)."
            if left
            else "that was the last try. Ask for a new code."
        )
        return CodeRefused(f"The code is not right: {advice}", field="code", tries_left=left)
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
        "Confirm this phone number with the code we send by SMS.", field="phone"
    )
    until = proof_valid_until(proof) if proof else None
    if proof is None or until is None or until < now:
        raise refused
    signature = proof.partition(".")[2]
    expected = _signature(phone, int(until.timestamp()), secret)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise refused


def proof_valid_until(proof: str) -> datetime | None:
    """Until when a proof is good, as it says (whether it is genuine is ``check_proof``'s
    question); None if it is not shaped like one."""
    stamp_text, dot, _ = proof.partition(".")
    # ASCII digits only: str.isdigit also takes digits such as "²", which int() refuses;
    # and few enough of them for a year that datetime can hold.
    if not dot or not stamp_text.isascii() or not stamp_text.isdigit() or len(stamp_text) > 11:
        return None
    return datetime.fromtimestamp(int(stamp_text), UTC)


def _signature(phone: str, stamp: int, secret: bytes) -> str:
    return hmac.new(secret, f"phone-proof/{phone}/{stamp}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]
