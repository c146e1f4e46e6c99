"""Languages: the one list of those we speak, their catalogs, and formats by language and zone.

The web pages, the messages people are sent and the reports all read from here. Catalogs
are gettext ``.po`` files in ``locale/``, compiled to ``.mo`` by the build (``make
translations``, or the wheel's build hook).
"""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["ky", "ru", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
LANGUAGE_NAMES: dict[Language, str] = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
# Most people queueing in Russia read Russian; Kyrgyz is one tap away.
DEFAULT: Language = "ru"


def N_(message: str) -> str:
    """Mark a message for the catalogs where it is defined; translate it where it is shown."""
    return message


def as_language(code: str | None) -> Language | None:
    """``code`` if it is one of ours, else None."""
    for language in LANGUAGES:
        if code == language:
            return language
    return None
