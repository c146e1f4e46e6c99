"""No booking in the past, inside the minimum notice, beyond the horizon or off the grid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.factories import booking_body, local_day, start_at


def _refusal(client: TestClient, start: str) -> tuple[int, str, str]:
    response = client.post("/api/v1/bookings", json=booking_body(start=start))
    body = response.json()
    return response.status_code, body.get("code", ""), body["errors"][0]["field"]


def test_it_refuses_a_time_in_the_past(client: TestClient) -> None:
    assert _refusal(client, start_at(days_ahead=-1)) == (422, "slot_not_bookable", "start")


def test_it_refuses_a_time_inside_the_minimum_notice(client: TestClient) -> None:
    soon = datetime.now(UTC) + timedelta(minutes=30)
    soon = soon.replace(minute=soon.minute - soon.minute % 10, second=0, microsecond=0)
    status, code, field = _refusal(client, soon.astimezone(ZoneInfo("Asia/Bishkek")).isoformat())
    assert (status, code, field) == (422, "slot_not_bookable", "start")


def test_it_refuses_a_time_beyond_the_horizon(client: TestClient) -> None:
    assert _refusal(client, start_at(days_ahead=61)) == (422, "slot_not_bookable", "start")


def test_it_accepts_the_last_day_of_the_horizon(client: TestClient) -> None:
    response = client.post("/api/v1/bookings", json=booking_body(start=start_at(days_ahead=60)))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("hour", "minute"),
    [(8, 50), (18, 0), (10, 5), (3, 0)],
    ids=["before-opening", "at-closing", "off-grid", "night"],
)
def test_it_refuses_a_time_that_is_not_a_slot(client: TestClient, hour: int, minute: int) -> None:
    assert _refusal(client, start_at(hour=hour, minute=minute)) == (
        422,
        "slot_not_bookable",
        "start",
    )


def test_a_long_service_cannot_run_past_closing(client: TestClient) -> None:
    last_cell = start_at(hour=17, minute=50)
    response = client.post("/api/v1/bookings", json=booking_body(service="long", start=last_cell))
    assert response.status_code == 422


def test_the_same_instant_in_another_offset_is_the_same_slot(client: TestClient) -> None:
    local = datetime.fromisoformat(start_at())
    response = client.post(
        "/api/v1/bookings", json=booking_body(start=local.astimezone(UTC).isoformat())
    )
    assert response.status_code == 201
    assert response.json()["start"] == start_at()


def test_corridor_windows_that_are_not_bookable_add_no_capacity(client: TestClient) -> None:
    day = local_day().isoformat()
    slots = client.get(
        "/api/v1/offices/bsk/availability", params={"service": "other", "from": day, "to": day}
    ).json()["slots"]
    assert {slot["capacity"] for slot in slots} == {1}
