"""A booking form sent again after going back to it (the browser fetched a fresh form, with
a new key) shows the booking it made, not "you already have a booking"; another time is
still refused, with the way to the booking there is."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from tests.factories import document, local_day

from .pages import book_through_pages, submit, text


def test_going_back_and_sending_the_same_form_shows_the_same_booking(client: TestClient) -> None:
    first = book_through_pages(client, "ru", document(4))
    again = book_through_pages(client, "ru", document(4))  # a fresh form: a new request key

    assert first.status_code == again.status_code == 200
    assert "Вы записаны" in text(again) and again.url.path.startswith("/booking/")
    references = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}", text(first) + " " + text(again))
    assert len(set(references)) == 1  # the same booking, both times


def test_the_same_person_at_another_time_is_still_told_of_the_booking_there_is(
    client: TestClient,
) -> None:
    book_through_pages(client, "ru", document(5))
    # Tomorrow's times, all of them to come whatever the hour (today's may be down to one).
    times = client.get(f"/book/bsk/long?day={local_day(days_ahead=1).isoformat()}")
    later = re.findall(r'href="(/book/bsk/long/details\?start=[^"]+)"', times.text)[1]
    details = client.get(unescape(later))

    other_time = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name="Асанов Айбек",
        phone="+996 555 123 456",
        document_number=document(5),
    )

    assert other_time.status_code == 409
    assert "/manage" in other_time.text
