"""The vocabularies of codes that every part reads the same way: one definition each."""

from __future__ import annotations

# Office, service, window and group codes, in the network file, the API and the pages.
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
CODE_MAX_LENGTH = 32
CODE_RULE = "lower-case letters, digits, '-' or '_', at most 32 characters"


def ticket_code(prefix: str, number: int) -> str:
    """How a queue ticket reads on the kiosk's receipt, the board and the clerk's screen: A-007."""
    return f"{prefix}-{number:03d}"
