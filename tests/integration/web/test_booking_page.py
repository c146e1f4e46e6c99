"""A booking has an address of its own: reloaded, switched to another language, opened from
the calendar, it shows the booking and what to know before coming."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import document

from .pages import book_through_pages, link_to, text


def test_the_confirmation_has_its_own_address_that_reloads_and_switches_language(
    client: TestClient,
) -> None:
    booked = book_through_pages(client, "ru", document(1))
    address = booked.url

    again = client.get(str(address))
    kyrgyz = client.get(f"/language/ky?next={address.path}%3F{address.query.decode()}")

    assert address.path.startswith("/booking/") and document(1) not in str(address)
    assert "Вы записаны" in text(booked) and again.status_code == 200
    assert "Вы записаны" in text(again)
    assert kyrgyz.status_code == 200 and "Сиз жазылдыңыз" in text(kyrgyz)
    assert client.get("/booking/forged-token").status_code == 403


def test_the_booking_says_when_to_come_how_to_check_in_and_what_lateness_costs(
    client: TestClient,
) -> None:
    booked = book_through_pages(client, "ru", document(1))
    words = text(booked)
    starts = re.search(r"(\d\d):(\d\d)", words[words.index("Когда") :])
    assert starts is not None
    hour, minute = int(starts.group(1)), int(starts.group(2))
    come = f"{(hour * 60 + minute - 15) // 60:02d}:{(hour * 60 + minute - 15) % 60:02d}"
    late = f"{(hour * 60 + minute + 15) // 60:02d}:{(hour * 60 + minute + 15) % 60:02d}"

    assert f"Приходите с {come}, за 15 минут до вашего времени." in words
    assert "отметьтесь в терминале по номеру записи и паспорту" in words
    assert f"Если вы придёте после {late} (опоздаете больше чем на 15 минут)" in words
    assert "вы встанете в общую очередь без записи" in words  # the office's rule: walk in
    assert "В этот день учреждение работает: 09:00–18:00." in words
    assert 'href="tel:+996312123456"' in booked.text and "+996 312 123 456" in words
    assert 'href="https://yandex.ru/maps/?pt=74.59,42.87&amp;z=17&amp;l=map"' in booked.text
    assert re.findall(r"<script[^>]*>", booked.text) == [
        '<script src="/static/vendor/htmx-2.0.11.min.js" defer>',
        '<script src="/static/site.js" defer>',
    ]


def test_the_printable_page_and_the_calendar_say_the_same(client: TestClient) -> None:
    booked = book_through_pages(client, "ru", document(1))

    printable = client.get(link_to(booked, r"/print$"))
    calendar = client.get(link_to(booked, r"/calendar\.ics$"))

    assert "Перед визитом" in text(printable) and "отметьтесь в терминале" in text(printable)
    unfolded = calendar.text.replace("\r\n ", "")
    assert "GEO:42.87;74.59" in unfolded
    assert f"URL:http://testserver{booked.url.path}" in unfolded
    assert (
        "отметьтесь в терминале" in unfolded and "Телефон учреждения: +996 312 123 456" in unfolded
    )
