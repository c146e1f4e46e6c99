"""A citizen books a visit through the pages, as on a phone with JavaScript off."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from tests.factories import booking_body, document, local_day, start_at

from .pages import link_to, submit, text, to_details


def test_a_citizen_books_in_kyrgyz_and_gets_a_reference_and_a_calendar_file(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "ky-KG,ky;q=0.9,ru;q=0.8"
    start = client.get("/")
    assert start.status_code == 200
    assert '<html lang="ky">' in start.text
    assert "Консулдук мекемеге кабыл алууга жазылуу" in text(start)
    office = client.get(link_to(start, r"^/book/bsk$"))
    assert "Узун кызмат" in text(office) and "Паспорт" in text(office)
    times = client.get(link_to(office, r"^/book/bsk/long$"))
    assert "Күндү жана убакытты тандаңыз" in text(times)
    details = client.get(link_to(times, r"/details\?start="))
    assert "Сиздин маалыматтарыңыз" in text(details)

    booked = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name="Асанов Айбек",
        phone="+996 555 123 456",
        document_number=document(1),
    )

    assert booked.status_code == 200, text(booked)
    assert "Сиз жазылдыңыз" in text(booked)
    reference = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", text(booked))
    assert reference is not None
    with sessions() as session:
        stored = session.scalar(select(Booking))
        assert stored is not None and stored.language == "ky"
        assert f"{stored.reference[:4]}-{stored.reference[4:]}" == reference.group()
    calendar = client.get(link_to(booked, r"^/booking/[^/?]+/calendar\.ics$"))
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in calendar.text and reference.group() in calendar.text
    assert "Узун кызмат" in calendar.text
    printable = client.get(link_to(booked, r"^/booking/[^/?]+/print$"))
    assert reference.group() in text(printable)


def test_a_citizen_books_in_russian_and_mistakes_are_named_beside_the_field(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(client, "ru-RU,ru;q=0.9")

    wrong = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name="Асанов Айбек",
        phone="12",
        document_number="??",
    )

    assert wrong.status_code == 422
    words = text(wrong)
    assert "Укажите номер телефона с кодом страны" in words
    assert "Укажите номер паспорта или ID-карты — только буквы и цифры." in words
    assert 'aria-invalid="true"' in wrong.text
    assert 'value="Асанов Айбек"' in wrong.text  # what was typed is kept
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0

    booked = submit(
        client,
        wrong,
        "/book/bsk/long/details",
        phone="+7 916 123-45-67",
        document_number=document(1),
    )
    assert "Вы записаны" in text(booked)


def test_a_form_sent_again_shows_the_same_booking_and_books_once(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    details = to_details(client, "en")
    fields = {"full_name": "Aibek Asanov", "phone": "+996 555 123 456"}
    first = submit(client, details, "/book/bsk/long/details", **fields, document_number=document(1))
    assert "You are booked" in text(first)

    # A reload, a double tap or a retry on a weak connection sends the same form again.
    again = submit(client, details, "/book/bsk/long/details", **fields, document_number=document(1))

    assert again.status_code == 200 and "You are booked" in text(again)
    assert again.url.path.startswith("/booking/")
    shown = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}", text(first) + " " + text(again))
    assert len(set(shown)) == 1  # the same reference, both times
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_second_booking_for_the_service_points_to_the_one_there_is(client: TestClient) -> None:
    fields = {"full_name": "Aibek Asanov", "phone": "+996 555 123 456"}
    submit(
        client,
        to_details(client, "en"),
        "/book/bsk/long/details",
        **fields,
        document_number=document(1),
    )

    # A new form at another time: another booking, not the same one sent again. Tomorrow's
    # times, all of them to come whatever the hour (today's may be down to one).
    times = client.get(f"/book/bsk/long?day={local_day(days_ahead=1).isoformat()}")
    later = re.findall(r'href="(/book/bsk/long/details\?start=[^"]+)"', times.text)[1]
    fresh = client.get(unescape(later))
    refused = submit(client, fresh, "/book/bsk/long/details", **fields, document_number=document(1))

    assert refused.status_code == 409
    assert "already has a booking for this service" in text(refused)
    assert "find it with your phone number" in text(refused)
    assert link_to(refused, r"^/manage/forgot$")


def test_a_phone_at_its_cap_is_named_beside_the_phone_field(client: TestClient) -> None:
    shared = "+996 700 111 222"
    for n in range(2, 6):  # the default cap: four active bookings per phone
        body = booking_body(document_number=document(n), phone=shared, start=start_at(hour=8 + n))
        assert client.post("/api/v1/bookings", json=body).status_code == 201
    details = to_details(client, "ru-RU")

    refused = submit(
        client,
        details,
        "/book/bsk/long/details",
        full_name="Асанов Айбек",
        phone=shared,
        document_number=document(1),
    )

    assert refused.status_code == 409
    assert "На этот номер телефона уже оформлено столько записей" in text(refused)
    assert document(1) not in refused.text  # typed again, never written into the page
    assert re.search(r'id="phone"[^>]*aria-invalid="true"', refused.text)


def test_a_form_from_another_site_is_refused(client: TestClient) -> None:
    details = to_details(client, "en")

    forged = client.post(
        "/book/bsk/long/details",
        data={
            "csrf_token": "forged",
            "start": "2030-01-01T09:00:00+06:00",
            "full_name": "x",
            "phone": "+996 555 123 456",
            "document_number": document(1),
        },
    )

    assert details.status_code == 200
    assert forged.status_code == 403
    assert "Please start again" in text(forged)
