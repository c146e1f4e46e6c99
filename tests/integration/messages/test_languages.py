"""Messages in Kyrgyz and Russian are written in those languages, not left in English."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import BOTH_BOOKING_PATHS
from tests.integration.messages.helpers import PUBLIC_URL, every_event, outbox

pytestmark = BOTH_BOOKING_PATHS

# The only Latin a Kyrgyz or Russian text may hold: the link, the booking reference and
# short abbreviations ("ID-карта").
LINK = re.compile(re.escape(PUBLIC_URL) + r"/b/[0-9A-Z]{8}")
REFERENCE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def _latin_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}", REFERENCE.sub("", LINK.sub("", text)))


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_every_message_is_in_the_holders_language(
    notified: TestClient, sessions: sessionmaker[Session], language: str
) -> None:
    every_event(notified, sessions, document_number="AC0000001", language=language)

    rows = outbox(sessions)
    assert len({row.kind for row in rows}) == 6
    for row in rows:
        assert row.language == language
        assert re.search("[а-яё]", row.body.lower()), (row.kind, row.channel)
        shown = [row.body, row.subject_line]
        assert not any(_latin_words(text) for text in shown), (row.kind, row.channel, shown)
    if language == "ky":
        # Kyrgyz has letters Russian lacks; a Russian text sent to a Kyrgyz reader has none.
        assert any(re.search("[өүң]", row.body.lower()) for row in rows if row.channel == "sms")
