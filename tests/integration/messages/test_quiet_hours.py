"""Reminders and the quiet hours: pushed to the morning, or dropped when late or untrue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, start_at
from tests.integration.messages.conftest import messaging_client
from tests.integration.messages.helpers import local, outbox, remind

# Both paths compute when the first reminder is due.
pytestmark = BOTH_BOOKING_PATHS


@pytest.fixture
def rules(request: pytest.FixtureRequest) -> dict[str, object]:
    return dict(request.param)


@pytest.fixture
def server(
    settings: Settings, engine: Engine, network: None, rules: dict[str, object]
) -> Iterator[TestClient]:
    yield from messaging_client(settings, **rules)


def _reminders(
    client: TestClient, sessions: sessionmaker[Session], *, hour: int, minute: int = 0
) -> dict[str, object]:
    body = booking_body(start=start_at(days_ahead=3, hour=hour, minute=minute))
    assert client.post("/api/v1/bookings", json=body).status_code == 201
    remind(client)
    return {row.kind: row.due_at for row in outbox(sessions) if row.kind.startswith("reminder")}


@pytest.mark.parametrize(
    "rules", [{"reminder_day_before_hour": 6, "quiet_hours": "21-8"}], indirect=True
)
def test_a_reminder_in_the_night_waits_for_the_morning(
    server: TestClient, sessions: sessionmaker[Session]
) -> None:
    # The day before at 06:00 is quiet: 08:00 instead. Three hours before 10:00 is 07:00,
    # quiet too: 08:00 on the day, still well before the visit.
    due = _reminders(server, sessions, hour=10)

    assert due == {
        "reminder_day_before": local(8, days_ahead=2),
        "reminder_soon": local(8, days_ahead=3),
    }


@pytest.mark.parametrize(
    "rules", [{"reminder_day_before_hour": 22, "quiet_hours": "21-8"}], indirect=True
)
def test_a_reminder_the_quiet_hours_push_onto_the_visit_day_is_dropped(
    server: TestClient, sessions: sessionmaker[Session]
) -> None:
    # 22:00 the day before is quiet; 08:00 is on the visit day, where "tomorrow" is untrue.
    due = _reminders(server, sessions, hour=12)

    assert due == {"reminder_soon": local(10, days_ahead=3)}


@pytest.mark.parametrize(
    "rules", [{"reminder_before_minutes": 120, "quiet_hours": "21-9"}], indirect=True
)
def test_a_reminder_pushed_too_close_to_the_visit_is_dropped(
    server: TestClient, sessions: sessionmaker[Session]
) -> None:
    # 07:10 is quiet; 09:00 is ten minutes before the visit, too late to be of use.
    due = _reminders(server, sessions, hour=9, minute=10)

    assert due == {"reminder_day_before": local(18, days_ahead=2)}


@pytest.mark.parametrize(
    "rules", [{"reminder_before_minutes": 180, "quiet_hours": "0-11"}], indirect=True
)
def test_a_reminder_pushed_past_the_visit_is_dropped(
    server: TestClient, sessions: sessionmaker[Session]
) -> None:
    # 07:00 is quiet until 11:00, an hour after the visit.
    due = _reminders(server, sessions, hour=10)

    assert due == {"reminder_day_before": local(18, days_ahead=2)}


@pytest.mark.parametrize(
    "rules", [{"reminder_before_minutes": 16 * 60, "quiet_hours": ""}], indirect=True
)
def test_a_reminder_for_today_that_would_come_the_evening_before_is_dropped(
    server: TestClient, sessions: sessionmaker[Session]
) -> None:
    # Sixteen hours before 10:00 is 18:00 the day before: a text saying "today" would lie.
    due = _reminders(server, sessions, hour=10)

    assert due == {"reminder_day_before": local(18, days_ahead=2)}


@pytest.mark.parametrize("rules", [{"reminder_before_minutes": 0}], indirect=True)
def test_no_reminder_before_when_it_is_set_to_none(
    server: TestClient, sessions: sessionmaker[Session]
) -> None:
    due = _reminders(server, sessions, hour=10)

    assert due == {"reminder_day_before": local(18, days_ahead=2)}
