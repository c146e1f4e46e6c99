"""Which language a person reads the pages in.

In order: the one they chose (``?lang=`` or the ``lang`` cookie the switch sets), the first
of ours their browser asks for (``Accept-Language``), or the default. The languages, their
catalogs and formats are in ``kezek.i18n``.
"""

from __future__ import annotations

from babel.core import negotiate_locale
from starlette.requests import Request

from kezek.i18n import DEFAULT, LANGUAGES, Language, as_language

COOKIE = "lang"


def choose_language(request: Request) -> Language:
    asked = as_language(request.query_params.get("lang") or request.cookies.get(COOKIE))
    return asked or from_header(request.headers.get("accept-language", "")) or DEFAULT


def from_header(header: str) -> Language | None:
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
    return as_language(negotiate_locale(preferred, list(LANGUAGES), sep="-"))
