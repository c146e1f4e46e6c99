"""A lost reference is found with the document number and the phone given when booking; a
wrong pair is answered exactly like a document without bookings, and guessing is limited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import document

from .pages import book_through_pages, link_to, submit, text


def _ask(client: TestClient, number: str, phone: str):  # type: ignore[no-untyped-def]
    return submit(
        client, client.get("/manage/forgot"), "/manage/forgot", document_number=number, phone=phone
    )


def test_the_document_and_the_phone_find_the_booking(client: TestClient) -> None:
    booked = book_through_pages(client, "ru", document(1))  # phone +996 555 123 456

    found = _ask(client, document(1).lower(), "0555 123 456")  # as typed at home, no code

    assert found.status_code == 200 and "Ваши действующие записи:" in text(found)
    opened = client.get(link_to(found, r"^/booking/"))
    reference = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", text(booked))
    assert reference is not None and opened.status_code == 200
    assert reference.group() in text(opened)


def test_a_wrong_phone_is_answered_like_an_unknown_document(client: TestClient) -> None:
    book_through_pages(client, "ru", document(1))

    wrong_phone = _ask(client, document(1), "+996 555 000 111")
    unknown = _ask(client, document(2), "+996 555 123 456")

    assert wrong_phone.status_code == unknown.status_code == 404
    assert text(wrong_phone).replace("+996 555 000 111", "") == text(unknown).replace(
        "+996 555 123 456", ""
    )
    assert "Действующей записи с таким номером документа" in text(unknown)


def test_guessing_document_and_phone_pairs_is_limited(client: TestClient) -> None:
    answers = [_ask(client, document(1), f"+996 555 {n:06d}").status_code for n in range(21)]

    assert answers[:20] == [404] * 20 and answers[20] == 429
