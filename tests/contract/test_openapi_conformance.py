"""schemathesis drives every operation in /openapi.json: no 5xx, no answer outside it."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.staff.models import Role
from tests.conftest import IN_CI, TEST_SECRET
from tests.factories import booking_body
from tests.integration.staff.helpers import bearer, make_staff

EXAMPLES = 15

# The description, from an app that never touches its database; each test sends its
# requests, and schemathesis its follow-up requests, to the app of the test's own database
# (SQLite, then PostgreSQL) with the test network loaded, in-process.
_DESCRIBED = Settings(
    database_url="sqlite:///unused.db",  # never opened: nothing below reaches for it
    secret_key=TEST_SECRET,
    json_logs=False,
    # Its background work would reach for a database that is not there.
    queue_close_days=False,
    purge_every_seconds=0,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_DESCRIBED))
# A board's stream never ends by itself. Its first event, the board as it stands, is what is
# checked: read on to schemathesis's default of 20 events, each case waited out its whole
# timeout, 25 s of the suite's run for the one operation.
schema.config.max_stream_events = 1


@pytest.fixture
def admin(client: TestClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    make_staff(sessions, "chief", Role.admin, [])
    return bearer(client, "chief")


@pytest.fixture
def known(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    """Path parameters that name things that exist: an office with an open window, a
    waiting ticket and a booking, so that generated bodies and headers reach the logic."""
    reference = client.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    opened = client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=admin)
    issued = client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=admin)
    assert opened.status_code == 200 and issued.status_code == 201
    return {
        "office": "bsk",
        "window": "1",
        "ticket_id": str(issued.json()["id"]),
        "reference": reference,
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The same examples on every CI run; new ones each time on a developer's machine.
    derandomize=IN_CI,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_the_schema(
    case: schemathesis.Case, client: TestClient, admin: dict[str, str], known: dict[str, str]
) -> None:
    # A schema-valid request may still be refused with 422: a phone number that does not
    # exist, a time that is not a slot. The schema cannot say that, so that check is left out.
    excluded = [checks.positive_data_acceptance]
    # If the board's first event never came, a stream would be cut after 5 s.
    timeout = 5 if case.operation.path.endswith("/stream") else 30
    # A staff token unless the case brings its own Authorization, made wrong on purpose.
    own = any(name.lower() == "authorization" for name in case.headers or {})
    headers = None if own else admin
    call = {"app": client.app, "headers": headers, "excluded_checks": excluded, "timeout": timeout}
    case.call_and_validate(**call)
    # Generated names rarely exist: a valid request again, at things that do.
    parameters = case.path_parameters or {}
    valid = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if valid and any(name in known for name in parameters):
        for name in parameters:
            if name in known:
                parameters[name] = known[name]
        case.call_and_validate(**call)
