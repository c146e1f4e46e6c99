"""The draw's randomness, committed to before anyone applies.

Before applications open, Kezek draws a secret seed and publishes only its SHA-256, the
commitment. After applications close it publishes the seed: anyone can check it against
the commitment, and recompute the order of the applicants from it. The order is the
SHA-256 of the seed and each applicant's key, sorted: it depends on nothing else, not on
when or in what order people applied, and nobody who has seen the applications can choose
a seed that favours one of them, since the seed was fixed, and published as a hash, before.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    """What is published before applications open: the seed's SHA-256, in hex."""
    return hashlib.sha256(seed).hexdigest()


def is_sha256(text: str) -> bool:
    """Whether the text is a SHA-256 in hex (as copied: surrounding spaces and case aside)."""
    return re.fullmatch(r"[0-9a-f]{64}", text.strip().lower()) is not None


def seed_matches(seed: bytes, published: str) -> bool:
    if not is_sha256(published):
        return False
    return hmac.compare_digest(commitment(seed), published.strip().lower())


def lot(seed: bytes, key: str) -> str:
    """An applicant's place in the draw, as a hex number: lower goes first."""
    return hashlib.sha256(seed + b"\x00" + key.encode()).hexdigest()


def draw_order(seed: bytes, keys: Iterable[str]) -> list[str]:
    """The applicants' keys in the order the draw serves them."""
    return sorted(set(keys), key=lambda key: (lot(seed, key), key))
