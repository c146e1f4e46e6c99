"""Every SMS a booking sends fits in two parts, in each language, at every office of the
example network (Санкт-Петербург is the longest city name) with a public address of 40
characters: a third part would cost a third SMS for each of thousands of bookings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.details import BookingDetails
from kezek.booking.notices import short_text
from kezek.db import run_transaction
from kezek.i18n.catalogs import translations
from kezek.network.directory import Directory, OfficeInfo
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.notify.rules import NotifyRules
from kezek.notify.segments import segments
from tests.integration.messages.helpers import PUBLIC_URL

EXAMPLE = Path(__file__).parents[3] / "examples" / "network" / "kyrgyz-consulates-russia.toml"
KINDS = (
    "confirmed",
    "moved",
    "cancelled",
    "office_closed",
    "reminder_day_before",
    "reminder_soon",
)
# The phone-code SMS (kezek.notify.verification) with the longest code it sends.
CODE_TEXT = "Kezek code: %(code)s. It works for 10 minutes. Do not give it to anyone."


def _example_offices(sessions: sessionmaker[Session]) -> list[OfficeInfo]:
    spec = parse_network(EXAMPLE.read_text(encoding="utf-8"), source=EXAMPLE.name)
    run_transaction(sessions, lambda session: load_network(session, spec))
    with sessions() as session:
        return Directory(max_age=0).offices(session)


def _booking(office: OfficeInfo, language: str) -> BookingDetails:
    # Two-digit day, month and hour: the longest date and time.
    starts_at = datetime.combine(date(2027, 12, 28), time(16, 50), office.zone)
    return BookingDetails(
        reference="K7M2QX8P",
        status="confirmed",
        starts_at=starts_at,
        ends_at=starts_at,
        language=language,
        office=office,
        service=office.services[0],
        full_name="Асанов Айбек",
        phone="+996555123456",
        document_tail="001",
        legal_stay_until=None,
    )


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_every_sms_fits_in_two_parts(
    sessions: sessionmaker[Session], language: str, record_property: Callable[[str, object], None]
) -> None:
    offices = _example_offices(sessions)
    rules = NotifyRules(public_url=PUBLIC_URL)
    assert "Санкт-Петербург" in {office.city["ru"] for office in offices}

    texts = {
        (office.code, kind): short_text(
            _booking(office, language), kind, language=language, rules=rules
        )
        for office in offices
        for kind in KINDS
    }
    texts[("-", "phone_code")] = translations(language).gettext(CODE_TEXT) % {"code": "999999"}

    too_long = {key: text for key, text in texts.items() if segments(text) > 2}
    assert not too_long
    longest = max(texts.values(), key=len)
    assert f"{PUBLIC_URL}/b/K7M2QX8P" in "".join(texts.values())
    record_property("figure", f"longest {language} SMS: {len(longest)} characters")
