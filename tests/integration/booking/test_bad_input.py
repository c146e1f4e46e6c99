"""Bad input gets a 422 that names the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, Citizen, SlotCell
from tests.factories import booking_body, start_at

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "document-too-short": ({"document_number": "A1"}, "document_number"),
    "document-symbols": ({"document_number": "AC12$4567"}, "document_number"),
    "document-too-long": ({"document_number": "A" * 41}, "document_number"),
    "document-control-char": ({"document_number": "AC123\x004567"}, "document_number"),
    "phone-letters": ({"phone": "call me"}, "phone"),
    "phone-too-short": ({"phone": "+7 916"}, "phone"),
    "phone-too-long": ({"phone": "+7" + "9" * 60}, "phone"),
    "name-digits": ({"full_name": "Agent 007"}, "full_name"),
    "name-control-char": ({"full_name": "Асанов\x07Айбек"}, "full_name"),
    "name-bidi-override": ({"full_name": "Асанов\u202eАйбек"}, "full_name"),
    "name-other-script": ({"full_name": "山田 太郎"}, "full_name"),
    "name-too-long": ({"full_name": "Айбек " * 60}, "full_name"),
    "name-html": ({"full_name": "<script>alert(1)</script>"}, "full_name"),
    "start-no-offset": ({"start": start_at()[:19]}, "start"),
    "start-not-a-time": ({"start": "tomorrow at ten"}, "start"),
    "start-impossible-date": ({"start": "2026-02-30T10:00:00+06:00"}, "start"),
    "unknown-office": ({"office": "atlantis"}, "office"),
    "office-bad-code": ({"office": "'; DROP TABLE booking; --"}, "office"),
    "unknown-service": ({"service": "teleport"}, "service"),
    "language": ({"language": "de"}, "language"),
    "legal-stay-date": ({"legal_stay_until": "30.04.2025"}, "legal_stay_until"),
    "unknown-field": ({"colour": "blue"}, "colour"),
}


@pytest.mark.parametrize(("change", "field"), CASES.values(), ids=CASES.keys())
def test_it_names_the_field_and_writes_nothing(
    client: TestClient, sessions: sessionmaker[Session], change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/bookings", json=booking_body(**change))

    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code
    assert field in [error["field"] for error in problem["errors"]]
    assert all(error["message"] for error in problem["errors"])
    with sessions() as session:
        for table in (Booking, Citizen, SlotCell):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_a_missing_field_is_named(client: TestClient) -> None:
    body = booking_body()
    del body["phone"]

    response = client.post("/api/v1/bookings", json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/bookings", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_phone_without_country_code_is_read_in_the_office_country(client: TestClient) -> None:
    response = client.post("/api/v1/bookings", json=booking_body(phone="0555 123 456"))
    assert response.status_code == 201
    assert response.json()["phone"] == "+996555123456"


def test_names_are_normalized(client: TestClient) -> None:
    decomposed = "Аи\u0306бек   Асанов"  # й typed as и + combining breve
    response = client.post("/api/v1/bookings", json=booking_body(full_name=f"  {decomposed}  "))
    assert response.status_code == 201, response.text
    assert response.json()["full_name"] == "Айбек Асанов"
