"""How a booking reaches its citizen: the phone, read in the office's country, whether it
must be proven by a code first, and an e-mail address checked for its shape."""

from __future__ import annotations

import re

from kezek.booking.identity import normalize_phone, reject_control_characters
from kezek.errors import Invalid
from kezek.network.directory import OfficeInfo

# RFC 5321 caps a forward path at 256 octets, brackets included.
EMAIL_MAX_LENGTH = 254
# The dot-atom of RFC 5322, ASCII only: a quoted or non-ASCII local part is legal but few
# servers accept one, and a confirmation that never arrives is worse than a refusal now.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_EMAIL_HINT = "is not an e-mail address; write it as name@example.com, or leave it empty"


def office_phone(raw: str, office: OfficeInfo) -> str:
    """The number in E.164, a number without a country code read as the office's country's;
    the same reading the booking gives it, so that a proof and a booking name one number."""
    try:
        return normalize_phone(raw, region=office.country)
    except ValueError as exc:
        raise Invalid(f"phone {exc}", field="phone") from None


def phone_check_needed(office: OfficeInfo, *, everywhere: bool) -> bool:
    """Whether a booking here needs a phone proven by a code: the network asks it of every
    office (KEZEK_VERIFY_PHONES), or this office alone ([offices.queue] verify_phone)."""
    return everywhere or office.verify_phone


def normalize_email(raw: str) -> str:
    """The address with its domain in lower case (and in ASCII, an IDN as punycode), so
    that the mail server is found; the local part is kept as typed, as servers may read
    its case."""
    reject_control_characters(raw)
    address = raw.strip()
    local, at, domain = address.rpartition("@")
    if not at or len(address) > EMAIL_MAX_LENGTH or len(local) > 64 or not _LOCAL.fullmatch(local):
        raise ValueError(_EMAIL_HINT)
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(_EMAIL_HINT) from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(_EMAIL_HINT)
    if labels[-1].isdigit():  # an address at a bare IP reaches no one's mailbox here
        raise ValueError(_EMAIL_HINT)
    return f"{local}@{ascii_domain}"


def booking_email(raw: str | None) -> str | None:
    """The e-mail address a booking gives, or None for none; refused naming the field."""
    if raw is None or not raw.strip():
        return None
    try:
        return normalize_email(raw)
    except ValueError as exc:
        raise Invalid(f"email {exc}", field="email") from None
