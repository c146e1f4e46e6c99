"""Booking reference codes: 8 Crockford base32 characters, about 10^12 possibilities.

Crockford's alphabet has no I, L, O or U, so a code read out over the phone or typed on
a small screen cannot be confused; typed look-alikes are mapped back on input.
"""

from __future__ import annotations

import secrets

from kezek.codes import CROCKFORD as ALPHABET

LENGTH = 8
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference() -> str:
    # One read of the system's randomness, not one per character: 32 letters divide 256,
    # so every letter is as likely as any other.
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in secrets.token_bytes(LENGTH))


def normalize_reference(raw: str) -> str:
    code = "".join(raw.split()).replace("-", "").upper().translate(_TYPED)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        raise ValueError(
            f"is not a booking reference; it has {LENGTH} letters and digits, like 7KQ2-M9XD"
        )
    return code


def display_reference(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
