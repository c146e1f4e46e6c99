"""Languages: which one a person reads, their catalogs, and dates in the office's time.

A person's language is, in order: the one they chose (``?lang=`` or the ``lang`` cookie the
switch sets), the first of ours their browser asks for (``Accept-Language``), or Russian,
which most people queueing in Russia read. Catalogs are gettext ``.po`` files compiled to
``.mo`` by the build (``make translations``).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.support import Translations
from starlette.requests import Request

LANGUAGES = ("ky", "ru", "en")
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
DEFAULT = "ru"
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "lang"


def N_(message: str) -> str:
    """Mark a message for the catalogs where it is defined; translate it where it is shown."""
    return message


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    return from_header(request.headers.get("accept-language", "")) or DEFAULT


def from_header(header: str) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by its q-values."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().replace("_", "-")))
    preferred = [tag for _, _, tag in sorted(weighted)]
    return negotiate_locale(preferred, list(LANGUAGES), sep="-")


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    found = Translations.load(str(LOCALE_DIR), [language], domain="messages")
    if not isinstance(found, Translations):
        # No compiled catalog: the build has not run. English source strings stand in.
        return Translations()
    return found


def catalog_compiled(language: str) -> bool:
    return (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").exists()


class Formats:
    """Dates and times as a person of ``language`` reads them, in the office's own zone."""

    def __init__(self, language: str) -> None:
        self.locale = Locale.parse(language)

    def day(self, value: date | datetime, zone: tzinfo | None = None) -> str:
        if isinstance(value, datetime) and zone is not None:
            value = value.astimezone(zone)
        return format_date(value, format="full", locale=self.locale)

    def short_day(self, value: date) -> str:
        return format_date(value, format="EEE d MMM", locale=self.locale)

    def time(self, value: datetime, zone: tzinfo) -> str:
        return format_time(value.astimezone(zone), format="HH:mm", locale=self.locale)

    def number(self, value: float, *, digits: int = 0) -> str:
        """Grouped and rounded as the reader writes them: 29 000 in Russian, 29,000 in English."""
        return format_decimal(round(value, digits), locale=self.locale)
