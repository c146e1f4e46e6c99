"""The compiled gettext catalogs, one per language, loaded once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import Translations

from kezek.i18n import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    found = Translations.load(str(LOCALE_DIR), [language], domain="messages")
    if not isinstance(found, Translations):
        # No compiled catalog: the build has not run. English source strings stand in.
        return Translations()
    return found
