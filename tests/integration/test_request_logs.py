"""Each request is logged once as JSON with its id, and never with a document number."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from kezek.logs import JsonFormatter
from tests.factories import booking_body, document
from tests.integration.web.pages import book_through_pages


def test_a_request_gets_an_id_and_one_json_line_without_personal_data(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kezek.access")

    booked = client.post("/api/v1/bookings", json=booking_body(document_number=document(7)))
    reference = booked.json()["reference"]
    looked_up = client.get(
        f"/api/v1/bookings/{reference}",
        headers={"X-Document-Number": document(7), "X-Request-ID": "proxy-given-id-1"},
    )

    assert len(booked.headers["x-request-id"]) == 32
    assert looked_up.headers["x-request-id"] == "proxy-given-id-1"
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "kezek.access"
    ]
    assert [line["status"] for line in lines] == [201, 200]
    assert lines[1]["path"] == f"/api/v1/bookings/{reference}"
    assert all(line["message"] == "request" and line["duration_ms"] >= 0 for line in lines)
    everything = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert document(7) not in everything


def test_a_request_id_that_does_not_look_like_one_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith a newline"})

    assert response.headers["x-request-id"] != "bad id\nwith a newline"
    assert len(response.headers["x-request-id"]) == 32


def test_a_booking_pages_token_and_a_receipts_secret_stay_out_of_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kezek.access")
    booked = book_through_pages(client, "ru", document(8))
    token = booked.url.path.removeprefix("/booking/")

    client.get(f"/booking/{token}/calendar.ics")
    client.get("/t/12-ABCDE12345")

    # The server's own lines (the test's HTTP client logs its URLs, as a proxy would not).
    ours = [r for r in caplog.records if r.name.startswith("kezek")]
    everything = "\n".join(JsonFormatter().format(r) for r in ours)
    assert token not in everything and "ABCDE12345" not in everything
    assert '"path": "/booking/…/calendar.ics"' in everything
