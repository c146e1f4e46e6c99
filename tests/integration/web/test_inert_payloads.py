"""Markup and SQL typed by anyone are stored and shown as plain text, never run."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, Citizen
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from tests.factories import NETWORK_TOML, document

from .pages import book_through_pages, submit, text, to_details

SCRIPT = "<script>alert(1)</script>"


def test_markup_typed_into_a_form_comes_back_escaped(client: TestClient) -> None:
    details = to_details(client, "en")

    refused = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name=SCRIPT,
        phone=f"+996 555 123 456{SCRIPT}",
        document_number=document(1),
    )

    assert refused.status_code == 422
    assert SCRIPT not in refused.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text


def test_a_name_with_quotes_is_stored_as_typed_and_shown_escaped(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(client, "en")
    name = "D'Artagnan O'Brien--"

    booked = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name=name,
        phone="+996 555 123 456",
        document_number=document(1),
    )

    assert "You are booked" in text(booked)
    assert "D&#39;Artagnan O&#39;Brien--" in booked.text
    with sessions() as session:
        assert session.scalar(select(Citizen.full_name)) == name
        assert session.scalar(select(Booking.status)) == "confirmed"  # the table is still there


def test_sql_in_addresses_and_lookups_is_only_a_miss(client: TestClient) -> None:
    book_through_pages(client, "en", document(1))
    for path in (
        "/book/bsk/long?day=2025-01-01' OR '1'='1",
        "/book/bsk' OR '1'='1",
        "/ticket/1?s=' OR 1=1--",
        "/board/bsk'--",
    ):
        assert client.get(path).status_code in (200, 404), path
    lookup = submit(
        client,
        client.get("/manage"),
        "/manage",
        reference="' OR 1=1--",
        document_number=document(1),
    )
    assert lookup.status_code == 404


def test_markup_in_the_network_file_is_shown_as_text(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    marked = NETWORK_TOML.replace('en = "Bishkek office"', f'en = "Bishkek {SCRIPT}"', 1)
    spec = parse_network(marked, source="net.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))

    page = client.get("/", headers={"Accept-Language": "en"})

    assert SCRIPT not in page.text
    assert "Bishkek &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
