"""A citizen finds a booking with its reference and document number, moves it, cancels it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.models import Booking, SlotCell
from tests.factories import document

from .pages import book_through_pages, form_token, link_to, submit, text


def _booked(client: TestClient) -> tuple[str, Response]:
    booked = book_through_pages(client, "ru", document(1))
    found = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", text(booked))
    assert found is not None
    return found.group(), booked


def test_the_wrong_document_number_finds_nothing_and_says_what_to_check(
    client: TestClient,
) -> None:
    reference, _ = _booked(client)
    form = client.get("/manage")

    wrong = submit(client, form, "/manage", reference=reference, document_number=document(2))

    assert wrong.status_code == 404
    assert "Записи с таким номером и номером документа нет." in text(wrong)
    assert document(2) not in wrong.text  # the number typed is not shown back


def test_a_citizen_moves_then_cancels_and_the_places_follow(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference, _ = _booked(client)
    found = submit(
        client,
        client.get("/manage"),
        "/manage",
        reference=reference.lower(),
        document_number=document(1),
    )
    assert found.status_code == 200 and reference in text(found)
    with sessions() as session:
        before = session.scalar(select(Booking.starts_at))

    choose = client.get(link_to(found, r"^/manage/move\?token="))
    later = re.findall(r'href="(/manage/move/confirm[^"]+)"', choose.text)
    confirm = client.get(later[-1].replace("&amp;", "&"))
    moved = submit(client, confirm, "/manage/move")

    assert "Запись перенесена" in text(moved)
    with sessions() as session:
        after = session.scalar(select(Booking.starts_at))
        assert after is not None and before is not None and after > before
        assert sum(session.scalars(select(SlotCell.booked)).all()) == 2  # 20 minutes: 2 cells

    asked = client.get(link_to(moved, r"^/manage/cancel\?token="))
    with sessions() as session:  # asking is not cancelling
        assert session.scalar(select(Booking.status)) == "confirmed"
    cancelled = submit(client, asked, "/manage/cancel")

    assert "Запись отменена" in text(cancelled)
    with sessions() as session:
        assert session.scalar(select(Booking.status)) == "cancelled"
        assert sum(session.scalars(select(SlotCell.booked)).all()) == 0
    again = client.post(
        "/manage/cancel",
        data={"csrf_token": form_token(client), "token": "tampered"},
    )
    assert again.status_code == 403
