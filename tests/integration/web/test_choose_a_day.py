"""The whole booking horizon, a week at a time, with the free places of each day counted in
people; the day chosen stays marked in its week."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import local_day

from .pages import text


def test_a_day_fifty_days_ahead_can_be_booked(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    day = local_day(days_ahead=50)

    page = client.get(f"/book/bsk/long?day={day.isoformat()}")

    assert page.status_code == 200
    chosen = re.search(r'aria-current="date"[^>]*>\s*<span>(\w+)</span> (\d+ \w+)', page.text)
    assert chosen is not None and chosen.group(2) == f"{day.day} {day:%b}"
    assert re.search(r"/book/bsk/long/details\?start=" + day.isoformat(), page.text)


def test_weeks_lead_on_to_the_end_of_the_horizon_and_no_further(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    page = client.get("/book/bsk/long")
    weeks = 0
    while (later := re.search(r'href="([^"]+)" rel="next"', page.text)) and weeks < 20:
        page = client.get(later.group(1).replace("&amp;", "&"))
        weeks += 1

    last_days = re.findall(r"day=(\d{4}-\d\d-\d\d)", page.text)
    assert 8 <= weeks <= 10  # 60 days are about nine weeks
    assert max(last_days) == str(local_day(days_ahead=60))
    assert 'rel="prev"' in page.text


def test_places_are_counted_in_people_not_in_start_times(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    day = local_day(days_ahead=7)

    page = client.get(f"/book/bsk/long?day={day.isoformat()}")

    # Two bookable windows, 09:00-18:00, 20 minutes each: 2 x 27 people, though 53 start
    # times each have two places.
    marked = re.search(r'aria-current="date"[^>]*>.*?<small>(\d+) places</small>', page.text, re.S)
    assert marked is not None and marked.group(1) == "54"
    assert len(re.findall(r"/details\?start=", page.text)) == 53
    assert "54 places" in text(page)
