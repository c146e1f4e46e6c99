"""The e-mail of each kind: a subject, the SMS's text and where to come; the calendar file
with the confirmation and each move, which set the visit's time, and with the cancellation,
which strikes it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import ZONES
from tests.integration.messages.helpers import Row, every_event, outbox

pytestmark = BOTH_BOOKING_PATHS


def test_every_kind_of_email_says_what_happened_and_where(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    every_event(notified, sessions, document_number="AC0000001", language="ru")

    mails = outbox(sessions, channel="email")
    sms_of = {_event(row): row for row in outbox(sessions, channel="sms")}
    assert len({mail.kind for mail in mails}) == 6
    for mail in mails:
        reference = mail.key.split(":")[1]
        sms = sms_of[_event(mail)]
        assert mail.subject_line, mail.kind
        assert mail.body.startswith(sms.body + "\n"), mail.kind
        assert "Бишкекский офис" in mail.body and "Бишкек, Чуй 1" in mail.body, mail.kind
        assert mail.due_at == sms.due_at, mail.kind
        if mail.kind in ("confirmed", "moved", "cancelled"):
            assert mail.calendar is not None, mail.kind
            assert "METHOD:PUBLISH" in mail.calendar and f"UID:{reference}@" in mail.calendar
        else:
            assert mail.calendar is None, mail.kind
    # Each calendar file holds the time its message announces.
    for mail in mails:
        if mail.calendar:
            start = next(
                line.removeprefix("DTSTART:")
                for line in mail.calendar.splitlines()
                if line.startswith("DTSTART:")
            )
            moment = datetime.strptime(start, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            local = moment.astimezone(ZONES["bsk"])
            assert f"{local:%d.%m.%Y %H:%M}" in mail.body, mail.kind


def _event(row: Row) -> str:
    """The key of the event a message tells, the same on every channel."""
    return row.key.split(f":{row.channel}:")[0]
