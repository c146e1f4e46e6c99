"""Guessing references is slowed to uselessness; one document books only so often."""

from __future__ import annotations

import os
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kezek.app import create_app
from kezek.booking.reference import ALPHABET
from kezek.config import Settings
from kezek.ratelimit import Limit, RateLimiter, RedisCounter, TooManyRequests
from tests.factories import booking_body, document, start_at


@pytest.fixture
def limited(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    tight = settings.model_copy(
        update={"limit_lookups_per_address_10min": 20, "limit_bookings_per_document_day": 2}
    )
    app = create_app(tight)
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def test_a_brute_force_of_references_finds_nothing(limited: TestClient) -> None:
    reference = limited.post("/api/v1/bookings", json=booking_body()).json()["reference"]
    holder = {"X-Document-Number": document(1)}

    answers = Counter(
        limited.get(
            "/api/v1/bookings/" + "".join(secrets.choice(ALPHABET) for _ in range(8)),
            headers=holder,
        ).status_code
        for _ in range(200)
    )
    at_last = limited.get(f"/api/v1/bookings/{reference}", headers=holder)

    assert answers == {404: 20, 429: 180}
    assert at_last.status_code == 429  # even the right one, from this address, for now
    assert int(at_last.headers["retry-after"]) <= 600
    assert at_last.headers["content-type"] == "application/problem+json"


def test_one_document_books_only_so_often(limited: TestClient) -> None:
    holder = {"X-Document-Number": document(1)}
    made = []
    for n in range(3):  # book, cancel, book again: each booking made counts
        booked = limited.post("/api/v1/bookings", json=booking_body(start=start_at(hour=9 + n)))
        made.append(booked.status_code)
        if booked.status_code == 201:
            reference = booked.json()["reference"]
            limited.post(f"/api/v1/bookings/{reference}/cancel", headers=holder)
    other = limited.post(
        "/api/v1/bookings", json=booking_body(document_number=document(2), start=start_at(hour=14))
    )

    assert made == [201, 201, 429]
    assert other.status_code == 201


def test_bad_bookings_with_someones_document_do_not_use_up_theirs(limited: TestClient) -> None:
    victim = document(7)
    refused = [
        limited.post(
            "/api/v1/bookings", json=booking_body(document_number=victim, **bad)
        ).status_code
        for bad in [{"start": start_at(hour=3)}, {"start": start_at(days_ahead=400)}] * 5
    ]
    booked = limited.post("/api/v1/bookings", json=booking_body(document_number=victim))
    again = limited.post(
        "/api/v1/bookings", json=booking_body(document_number=victim, service="long")
    )

    assert set(refused) == {422} and len(refused) == 10
    assert booked.status_code == again.status_code == 201  # the limit of two, both made


def test_retries_of_one_booking_count_once(limited: TestClient) -> None:
    key = {"Idempotency-Key": "one-booking-sent-again"}
    body = booking_body(document_number=document(8))

    answers = [limited.post("/api/v1/bookings", json=body, headers=key) for _ in range(16)]
    second = limited.post(
        "/api/v1/bookings",
        json=booking_body(document_number=document(8), service="long", start=start_at(hour=15)),
    )

    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["reference"] for answer in answers}) == 1
    assert second.status_code == 201  # the limit of two: one booking made so far


def _redis() -> redis.Redis:
    client = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer at 127.0.0.1:6379")
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    return client


def test_the_redis_counter_shares_one_count_between_limiters() -> None:
    _redis()
    limit = Limit(f"test-{uuid.uuid4().hex}", hits=3, seconds=60)
    now = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    workers = [RateLimiter(RedisCounter("redis://127.0.0.1:6379/15"), b"secret") for _ in range(2)]

    for n in range(3):
        workers[n % 2].check(limit, "10.0.0.1", now=now)
    with pytest.raises(TooManyRequests) as refused:
        workers[1].check(limit, "10.0.0.1", now=now)

    assert refused.value.headers["Retry-After"] == "50"
    workers[0].check(limit, "10.0.0.2", now=now)  # another address has its own count


def test_a_hit_given_back_frees_its_place_in_redis_too() -> None:
    _redis()
    limit = Limit(f"test-{uuid.uuid4().hex}", hits=1, seconds=60)
    now = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    limiter = RateLimiter(RedisCounter("redis://127.0.0.1:6379/15"), b"secret")

    limiter.check(limit, "AC0000001", now=now).give_back(limit)
    limiter.check(limit, "AC0000001", now=now)  # the one place, free again
    with pytest.raises(TooManyRequests):
        limiter.check(limit, "AC0000001", now=now)


def test_a_flood_refused_per_address_leaves_the_documents_count_alone(
    settings: Settings, engine: Engine, network: None
) -> None:
    tight = settings.model_copy(
        update={"limit_bookings_per_address_hour": 3, "limit_bookings_per_document_day": 1}
    )
    app = create_app(tight)
    victim = document(9)
    with (
        TestClient(app, client=("203.0.113.7", 50000)) as attacker,
        TestClient(app, client=("198.51.100.20", 50000)) as holder,
    ):
        flood = [
            attacker.post(
                "/api/v1/bookings",
                json=booking_body(document_number=victim, start=start_at(hour=3)),
            ).status_code
            for _ in range(8)
        ]
        own = holder.post("/api/v1/bookings", json=booking_body(document_number=victim))
    app.state.context.sessions.kw["bind"].dispose()

    assert flood == [422] * 3 + [429] * 5
    assert own.status_code == 201  # the one booking the document may make today


def test_an_ipv6_subscriber_counts_as_its_64(
    settings: Settings, engine: Engine, network: None
) -> None:
    tight = settings.model_copy(
        update={"limit_lookups_per_address_10min": 3, "limit_lookups_per_document_hour": 0}
    )
    app = create_app(tight)
    holder = {"X-Document-Number": document(1)}

    def lookups(address: str, times: int) -> list[int]:
        with TestClient(app, client=(address, 50000)) as http:
            return [
                http.get("/api/v1/bookings/AAAA2222", headers=holder).status_code
                for _ in range(times)
            ]

    # Every request from another address of the same /64: one budget for them all.
    same = [lookups(f"2001:db8:1:2::{n}", 1)[0] for n in range(1, 6)]
    other = lookups("2001:db8:1:3::1", 1)
    app.state.context.sessions.kw["bind"].dispose()

    assert same == [404, 404, 404, 429, 429]
    assert other == [404]
