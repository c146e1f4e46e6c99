from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.factories import booking_body, local_day, start_at


def _slots(client: TestClient, service: str = "quick", days: int = 0) -> list[dict[str, object]]:
    first = local_day()
    response = client.get(
        "/api/v1/offices/bsk/availability",
        params={
            "service": service,
            "from": first.isoformat(),
            "to": (first + timedelta(days=days)).isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    slots: list[dict[str, object]] = response.json()["slots"]
    return slots


def test_it_lists_every_start_of_the_day_with_the_office_offset(client: TestClient) -> None:
    slots = _slots(client)

    # 09:00-18:00 in 10-minute cells: 54 starts, two windows each.
    assert len(slots) == 54
    assert slots[0]["start"] == start_at(hour=9)
    assert slots[-1]["start"] == start_at(hour=17, minute=50)
    assert all(str(slot["start"]).endswith("+06:00") for slot in slots)
    assert {(slot["capacity"], slot["available"]) for slot in slots} == {(2, 2)}


def test_a_long_service_needs_two_free_cells(client: TestClient) -> None:
    slots = _slots(client, service="long")

    assert len(slots) == 53  # the last 10 minutes cannot start a 20-minute service
    first = slots[0]
    assert datetime.fromisoformat(str(first["end"])) - datetime.fromisoformat(
        str(first["start"])
    ) == timedelta(minutes=20)


def test_bookings_reduce_what_is_available(client: TestClient) -> None:
    client.post("/api/v1/bookings", json=booking_body(service="long"))

    by_start = {slot["start"]: slot["available"] for slot in _slots(client, service="long")}
    quick = {slot["start"]: slot["available"] for slot in _slots(client)}

    # The 10:00-10:20 booking holds the 10:00 and 10:10 cells of one of the two windows.
    assert by_start[start_at(hour=9, minute=50)] == 1
    assert by_start[start_at(hour=10)] == 1
    assert by_start[start_at(hour=10, minute=10)] == 1
    assert by_start[start_at(hour=10, minute=20)] == 2
    assert quick[start_at(hour=10, minute=10)] == 1


def test_it_spans_several_days(client: TestClient) -> None:
    assert len(_slots(client, days=2)) == 3 * 54


def test_it_leaves_out_times_inside_the_minimum_notice(client: TestClient) -> None:
    today = local_day(days_ahead=0).isoformat()
    response = client.get(
        "/api/v1/offices/bsk/availability",
        params={"service": "quick", "from": today, "to": today},
    )
    earliest = datetime.now().astimezone() + timedelta(minutes=60)
    assert all(
        datetime.fromisoformat(slot["start"]) >= earliest - timedelta(seconds=5)
        for slot in response.json()["slots"]
    )


def test_unknown_office_and_unoffered_service(client: TestClient) -> None:
    day = local_day().isoformat()
    unknown = client.get(
        "/api/v1/offices/nowhere/availability", params={"service": "quick", "from": day, "to": day}
    )
    unoffered = client.get(
        "/api/v1/offices/big/availability", params={"service": "long", "from": day, "to": day}
    )

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    assert unoffered.status_code == 422
    assert unoffered.json()["errors"][0]["field"] == "service"


def test_it_refuses_a_reversed_or_too_long_range(client: TestClient) -> None:
    day = local_day()
    reversed_range = client.get(
        "/api/v1/offices/bsk/availability",
        params={
            "service": "quick",
            "from": day.isoformat(),
            "to": (day - timedelta(1)).isoformat(),
        },
    )
    too_long = client.get(
        "/api/v1/offices/bsk/availability",
        params={
            "service": "quick",
            "from": day.isoformat(),
            "to": (day + timedelta(40)).isoformat(),
        },
    )

    assert reversed_range.status_code == too_long.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "to"
    assert too_long.json()["errors"][0]["field"] == "to"


def test_network_lists(client: TestClient) -> None:
    offices = client.get("/api/v1/offices").json()
    services = client.get("/api/v1/services").json()

    assert [office["code"] for office in offices] == ["big", "bsk", "mix"]
    # Services in the order the network file lists them, as people are shown them.
    assert offices[1]["services"] == ["quick", "long", "other"]
    assert offices[1]["coordinates"] == {"lat": 42.87, "lon": 74.59}
    assert offices[1]["phone"] == "+996312123456"
    assert [service["code"] for service in services] == ["quick", "long", "other"]
    assert services[1]["documents"] == [{"ky": "Паспорт", "ru": "Паспорт", "en": "Passport"}]


def test_without_dates_the_coming_week_is_listed(client: TestClient) -> None:
    listed = client.get("/api/v1/offices/bsk/availability", params={"service": "quick"})

    assert listed.status_code == 200, listed.text
    days = {slot["start"][:10] for slot in listed.json()["slots"]}
    assert max(days) == str(local_day(days_ahead=6)) and min(days) <= str(local_day(days_ahead=1))
