"""A cancel sent twice (a double tap with JavaScript off, where the browser sends the form
again, or the form sent again after going back) says the booking is cancelled both times,
not "that did not work"; a booking that lapsed is still not called cancelled."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking
from tests.factories import document

from .pages import book_through_pages, link_to, submit, text


def test_the_second_cancel_says_the_booking_is_cancelled(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = book_through_pages(client, "ru", document(1))
    asked = client.get(link_to(booked, r"^/manage/cancel\?token="))

    first = submit(client, asked, "/manage/cancel")
    second = submit(client, asked, "/manage/cancel")  # the same form, sent again

    for answer in (first, second):
        assert answer.status_code == 200 and answer.url.path.startswith("/booking/")
        assert "Запись отменена" in text(answer) and "Не получилось" not in text(answer)
    with sessions() as session:
        assert session.scalars(select(Booking.status)).all() == ["cancelled"]


def test_a_lapsed_booking_is_not_said_to_be_cancelled(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    booked = book_through_pages(client, "ru", document(2))
    asked = client.get(link_to(booked, r"^/manage/cancel\?token="))
    with sessions.begin() as session:  # its time passed while the page was open
        session.execute(update(Booking).values(status="lapsed"))

    refused = submit(client, asked, "/manage/cancel")

    assert "Не получилось" in text(refused) and "Запись отменена" not in text(refused)
