"""No message of a booking's life, by SMS or e-mail, body, subject or calendar file, holds the
document number: a lost phone or a read mailbox must not give it away."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import BOTH_BOOKING_PATHS
from tests.integration.messages.helpers import every_event, kinds, outbox

pytestmark = BOTH_BOOKING_PATHS

NUMBER = "AC7395168"


def test_no_message_holds_the_document_number(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    every_event(notified, sessions, document_number=NUMBER, language="ru")

    rows = outbox(sessions)
    assert set(kinds(rows)) == {
        (kind, channel)
        for kind in (
            "confirmed",
            "moved",
            "cancelled",
            "office_closed",
            "reminder_day_before",
            "reminder_soon",
        )
        for channel in ("sms", "email")
    }
    digits = re.sub(r"\D", "", NUMBER)
    for row in rows:
        for text in (row.body, row.subject_line, row.calendar or "", row.key):
            assert NUMBER not in text and digits not in text, (row.kind, row.channel)
