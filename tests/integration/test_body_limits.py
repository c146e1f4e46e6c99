"""Bodies over the ceiling are refused with 413 before anyone reads them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from kezek.http.problems import ProblemDetails
from tests.factories import booking_body


def test_a_huge_body_is_refused_and_nothing_is_written(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = booking_body(full_name="A" * 100_000)

    refused = client.post("/api/v1/bookings", json=body)

    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    problem = ProblemDetails.model_validate(refused.json())  # the documented shape
    assert (problem.status, problem.code) == (413, "body_too_large")
    assert problem.instance == "/api/v1/bookings"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_body_without_a_length_is_counted_as_it_comes(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    refused = client.post(
        "/api/v1/bookings", content=chunks(), headers={"content-type": "application/json"}
    )

    assert refused.status_code == 413


def test_a_normal_booking_is_well_under_the_ceiling(client: TestClient) -> None:
    assert client.post("/api/v1/bookings", json=booking_body()).status_code == 201
