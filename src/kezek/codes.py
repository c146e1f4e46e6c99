"""The vocabularies of codes that every part reads the same way: one definition each."""

from __future__ import annotations

# Office, service, window and group codes, in the network file, the API and the pages.
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
CODE_MAX_LENGTH = 32
CODE_RULE = "lower-case letters, digits, '-' or '_', at most 32 characters"


def ticket_code(prefix: str, number: int) -> str:
    """How a queue ticket reads on the kiosk's receipt, the board and the clerk's screen: A-007."""
    return f"{prefix}-{number:03d}"


# A ticket's secret: short enough to type from the receipt (50 bits: guessing it takes a
# million years at a thousand tries a second), printed as ABCDE-FGHJK.
TICKET_SECRET_LENGTH = 10

# Crockford's base32: no I, L, O or U, so a code read out or typed on a phone is not mistaken.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def crockford(data: bytes, length: int) -> str:
    """The first ``length`` characters (5 bits each) of ``data`` in Crockford's base32."""
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    if length * 5 > bits:
        raise ValueError("not enough data for that many characters")
    return "".join(CROCKFORD[(number >> (bits - 5 * (i + 1))) & 31] for i in range(length))
