"""The short link in every SMS, /b/REF: the look-up form with the reference filled in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from tests.factories import document

from .pages import book_through_pages, submit, text


def _reference_field(page: str) -> str:
    found = re.search(r'<input id="reference"[^>]*value="([^"]*)"', page)
    assert found is not None, "no reference field"
    return found.group(1)


def test_the_short_link_fills_in_the_reference_and_the_document_opens_the_booking(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    book_through_pages(client, "en", document(1))
    with sessions() as session:
        reference = session.scalar(select(Booking.reference))
    assert reference is not None
    shown = f"{reference[:4]}-{reference[4:]}"

    moved = client.get(f"/b/{reference}", follow_redirects=False)
    form = client.get(f"/b/{reference.lower()}")  # as a phone may have changed its case

    assert moved.status_code == 303
    assert moved.headers["location"] == f"/manage?reference={shown}"
    assert _reference_field(form.text) == shown
    found = submit(client, form, "/manage", document_number=document(1))
    assert found.status_code == 200 and shown in text(found)


def test_an_unknown_or_malformed_reference_tells_nothing(client: TestClient) -> None:
    unknown = client.get("/b/7KQ2M9XD")  # well formed, no such booking
    malformed = client.get("/b/not-a-reference<script>", follow_redirects=False)

    # Known or not, the same form: only the document number opens a booking.
    assert unknown.status_code == 200 and _reference_field(unknown.text) == "7KQ2-M9XD"
    assert malformed.status_code == 303 and malformed.headers["location"] == "/manage"
    assert _reference_field(client.get("/manage?reference=%3Cb%3E").text) == ""
