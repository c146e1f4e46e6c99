"""Every message a citizen can see is translated into Kyrgyz and Russian, and up to date."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kezek.i18n.catalogs import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[3]


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
            or "fuzzy" in message.flags
        )
    ]
    assert missing == []
    assert len(catalog) > 50


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_placeholders_survive_translation(language: str) -> None:
    for message in _catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            assert sorted(_names(source)) == sorted(_names(target)), (source, target)


def test_the_catalogs_hold_every_message_in_the_pages_and_code(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from translations import extract  # the script that keeps the catalogs up to date

    fresh = tmp_path / "messages.pot"
    extract(fresh)
    with fresh.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("ky") if m.id}
    assert wanted - have == set(), "run python tools/translations.py and translate"


def _names(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)[sd]", text)


def test_dates_times_and_numbers_follow_the_language_in_the_office_zone() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from kezek.i18n.formats import Formats

    moment = datetime(2025, 4, 10, 5, 30, tzinfo=UTC)
    moscow = ZoneInfo("Europe/Moscow")
    assert Formats("ru").day(moment, moscow) == "четверг, 10 апреля 2025\u202fг."
    assert Formats("ky").time(moment, moscow) == "08:30"
    assert Formats("ru").number(29000) == "29\xa0000"
    assert Formats("en").number(29000) == "29,000"
    # A daylight-saving day: Berlin jumps from 02:00 to 03:00 on 30 March 2025.
    berlin = ZoneInfo("Europe/Berlin")
    assert Formats("en").time(datetime(2025, 3, 30, 1, 30, tzinfo=UTC), berlin) == "03:30"


def test_each_language_is_parsed_once_and_each_template_read_once() -> None:
    """Every page rendered makes a ``Formats`` and asks for its template: neither may read
    from disk each time (Babel's locale data, Jinja's check for a changed file)."""
    from kezek.i18n.formats import Formats
    from kezek.web.pages import environment

    assert Formats("ky").locale is Formats("ky").locale
    assert Formats("ky").locale is not Formats("ru").locale
    assert environment.get_template("queue/ticket_status.html") is environment.get_template(
        "queue/ticket_status.html"
    )
    assert not environment.auto_reload
