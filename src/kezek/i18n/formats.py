"""Dates, times and numbers as a reader of each language writes them, in the office's zone."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal


class Formats:
    """Dates and times as a person of ``language`` reads them, in the office's own zone."""

    def __init__(self, language: str) -> None:
        self.locale = _locale(language)

    def day(self, value: date | datetime, zone: tzinfo | None = None) -> str:
        if isinstance(value, datetime) and zone is not None:
            value = value.astimezone(zone)
        return format_date(value, format="full", locale=self.locale)

    def short_day(self, value: date) -> str:
        return format_date(value, format="EEE d MMM", locale=self.locale)

    def weekday(self, value: date) -> str:
        return format_date(value, format="EEE", locale=self.locale)

    def day_month(self, value: date) -> str:
        return format_date(value, format="d MMM", locale=self.locale)

    def numeric_day(self, value: date) -> str:
        """As people write a date by hand: 10.09.2025 in Russian and Kyrgyz."""
        return format_date(
            value,
            format="dd.MM.yyyy" if self.locale.language != "en" else "dd/MM/yyyy",
            locale=self.locale,
        )

    def time(self, value: datetime, zone: tzinfo) -> str:
        return format_time(value.astimezone(zone), format="HH:mm", locale=self.locale)

    def number(self, value: float, *, digits: int = 0) -> str:
        """Grouped and rounded as the reader writes them: 29 000 in Russian, 29,000 in English."""
        return format_decimal(round(value, digits), locale=self.locale)


@cache
def _locale(language: str) -> Locale:
    """Babel parses a locale anew each time, looking for its data file on disk: every page
    rendered asked, for one of three languages."""
    return Locale.parse(language)
