"""A booking's calendar entry, sent by e-mail, follows it: moved, the same entry (UID) comes
again with a higher SEQUENCE and the new time; cancelled, again higher, struck, no alarm."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import document, start_at
from tests.integration.messages.helpers import book_with_email, outbox

# The booking was written by either path: the statement's default gives its first entry.
pytestmark = BOTH_BOOKING_PATHS

HOLDER = {"X-Document-Number": document(1)}
FIRST = start_at(days_ahead=2, hour=10)
LATER = start_at(days_ahead=3, hour=11)


def _entry(sessions: sessionmaker[Session], kind: str) -> dict[str, str]:
    [mail] = outbox(sessions, kind=kind, channel="email")
    assert mail.calendar is not None, kind
    unfolded = mail.calendar.replace("\r\n ", "")
    return dict(re.findall(r"^([A-Z-]+):(.*)\r$", unfolded, flags=re.MULTILINE))


def test_a_moved_then_cancelled_booking_changes_its_one_calendar_entry(
    notified: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = book_with_email(notified, "aibek@example.kg", start=FIRST)["reference"]
    moved = notified.post(
        f"/api/v1/bookings/{reference}/reschedule", json={"start": LATER}, headers=HOLDER
    )
    assert moved.status_code == 200, moved.text
    cancelled = notified.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)
    assert cancelled.status_code == 200, cancelled.text

    first, then, last = (_entry(sessions, kind) for kind in ("confirmed", "moved", "cancelled"))
    assert first["UID"] == then["UID"] == last["UID"] and first["UID"].startswith(reference)
    assert [int(e["SEQUENCE"]) for e in (first, then, last)] == [0, 1, 2]
    later = datetime.fromisoformat(LATER).astimezone(UTC)
    assert then["DTSTART"] == last["DTSTART"] == f"{later:%Y%m%dT%H%M%SZ}"
    assert (first["STATUS"], then["STATUS"], last["STATUS"]) == ("CONFIRMED",) * 2 + ("CANCELLED",)
    # An alarm for a visit that will not happen would still ring on the day.
    assert first["ACTION"] == then["ACTION"] == "DISPLAY" and "ACTION" not in last
