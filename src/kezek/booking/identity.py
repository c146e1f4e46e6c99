"""Citizen details: normalised, validated, and the document number kept only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import phonenumbers

# People type passport numbers on Russian keyboards: Cyrillic letters that look like Latin
# ones are read as the Latin letter, so "АС1234567" and "AC1234567" are the same passport.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI")
_DOCUMENT = re.compile(r"^[A-Z0-9]{6,20}$")
_NAME_PUNCTUATION = set(" -'.’ʼ")
_SEPARATORS = re.compile(r"[\s\-‐‑–—/.#]+")
MAX_NAME = 200


class DetailError(ValueError):
    """A citizen's detail refused, with a ``reason`` the pages turn into a sentence in the
    reader's language (the message is the API's, in English)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def reject_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise DetailError(
            "contains control or invisible characters; retype it without them",
            reason="invisible",
        )
    return value


def normalize_document(raw: str) -> str:
    """Passport or ID-card number in one canonical form: upper-case Latin letters and digits."""
    reject_control_characters(raw)
    # № first: NFKC would spell it out as "No".
    text = unicodedata.normalize("NFKC", raw.replace("№", " ")).upper().translate(_LOOKALIKES)
    text = _SEPARATORS.sub("", text)
    if not _DOCUMENT.match(text):
        raise DetailError(
            "is not a passport or ID-card number; type the 6 to 20 letters and digits "
            "as printed, for example AC1234567 or ID0123456",
            reason="document_length"
            if text.isalnum() and text.isascii()
            else "document_characters",
        )
    return text


def document_hash(document: str, *, secret: bytes) -> str:
    """HMAC-SHA256 of the normalised number. Without the secret it cannot be reversed."""
    return hmac.new(_purpose_key(secret), document.encode(), hashlib.sha256).hexdigest()


def _purpose_key(secret: bytes) -> bytes:
    # A key of its own, so that the document hash never equals any other use of the secret.
    return hmac.new(secret, b"kezek/document-number/v1", hashlib.sha256).digest()


def document_tail(document: str) -> str:
    return document[-3:]


def normalize_full_name(raw: str) -> str:
    reject_control_characters(raw)
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if len(name) < 2:
        raise DetailError("is too short; write the full name as in the passport", reason="short")
    if len(name) > MAX_NAME:
        raise DetailError(f"is longer than {MAX_NAME} characters; shorten it", reason="long")
    scripts = set()
    for ch in name:
        if ch in _NAME_PUNCTUATION or unicodedata.category(ch).startswith("M"):
            continue
        if not unicodedata.category(ch).startswith("L"):
            raise DetailError(
                f"contains '{ch}'; use only letters, spaces, hyphens and apostrophes",
                reason="digits" if ch.isdigit() else "symbols",
            )
        scripts.add(unicodedata.name(ch, "").split(" ")[0])
    if not scripts or not scripts <= {"CYRILLIC", "LATIN"}:
        raise DetailError(
            "must be written in Cyrillic or Latin letters, as in the passport", reason="script"
        )
    return name


def normalize_phone(raw: str, *, region: str = "RU") -> str:
    """E.164, such as +79161234567. Numbers without a country code are read as ``region``."""
    reject_control_characters(raw)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(
            "is not a valid phone number; include the country code, "
            "for example +7 916 123-45-67 or +996 555 123 456"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
