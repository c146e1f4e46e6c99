"""No document number is stored or logged in plain text, whatever path it came in by."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from kezek.db import Base
from tests.factories import booking_body, document, start_at

from .web.pages import book_through_pages


def _dump(engine: Engine) -> str:
    """Every row of every table as text: what a database dump would hold."""
    lines = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def test_document_numbers_appear_nowhere_in_the_data_or_the_logs(
    client: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    numbers = [document(n) for n in (31, 32, 33, 34)]
    reference = client.post(
        "/api/v1/bookings", json=booking_body(document_number=numbers[0])
    ).json()["reference"]
    client.get(f"/api/v1/bookings/{reference}", headers={"X-Document-Number": numbers[0]})
    client.get(f"/api/v1/bookings/{reference}", headers={"X-Document-Number": numbers[1]})
    client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(hour=15)},
        headers={"X-Document-Number": numbers[0]},
    )
    book_through_pages(client, "ru", numbers[2])
    client.post("/api/v1/bookings", json=booking_body(document_number="not a number!"))
    client.post("/manage", data={"reference": reference, "document_number": numbers[3]})

    dump = _dump(engine)
    logged = "\n".join(record.getMessage() for record in caplog.records)

    assert "citizen" in dump and len(dump) > 1000  # the dump holds the data…
    for number in numbers:
        assert number not in dump  # …but no number
        assert number not in logged
        assert number.lower() not in dump.lower()
