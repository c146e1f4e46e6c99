"""The messages a ticket's holder gets: "go to window X" at each call, and "N people before
you" once, when near the head of the line; written with the call, in the ticket's language."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.context import AppContext
from kezek.db import run_transaction
from kezek.i18n import LANGUAGES
from kezek.notify.models import Channel, OutboxMessage
from kezek.notify.outbox import Address, add_contact
from kezek.notify.segments import segments
from kezek.queue import notices
from tests.integration.queue.conftest import Clock, Headers, kiosk_and_clerk, proof
from tests.integration.queue.helpers import at


def _take(app: TestClient, phone: str, language: str = "ru") -> dict[str, Any]:
    taken = app.post(
        "/api/v1/offices/bsk/remote-tickets",
        json={
            "service": "quick",
            "phone": phone,
            "phone_proof": proof(phone, at(8)),
            "language": language,
        },
    )
    assert taken.status_code == 201, taken.text
    found: dict[str, Any] = taken.json()
    return found


def _walk_in(app: TestClient, kiosk: Headers) -> dict[str, Any]:
    issued = app.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=kiosk)
    assert issued.status_code == 201, issued.text
    found: dict[str, Any] = issued.json()
    return found


def _next(app: TestClient, clerk: Headers) -> dict[str, Any] | None:
    called = app.post(
        "/api/v1/offices/bsk/windows/1/call-next", json={"settle": "no_show"}, headers=clerk
    )
    assert called.status_code in (200, 204), called.text
    return called.json() if called.status_code == 200 else None


def _check_in(app: TestClient, kiosk: Headers, taken: dict[str, Any], phone: str) -> None:
    checked = app.post(
        "/api/v1/offices/bsk/remote-check-in",
        json={"code": taken["code"], "phone_last4": phone[-4:]},
        headers=kiosk,
    )
    assert checked.status_code == 200, checked.text


def _outbox(sessions: sessionmaker[Session], kind: str | None = None) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def test_the_called_message_names_the_window_by_sms_and_telegram(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8)
    taken = _take(app, "+996555000101", language="ky")
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    subject = notices.subject_of(taken["id"])
    run_transaction(
        sessions,
        lambda session: add_contact(
            session.connection(),
            subject=subject,
            to=Address(Channel.telegram, "777000", "ky"),
            now=at(8),
        ),
    )
    clock.now = at(9)
    _check_in(app, kiosk, taken, "+996555000101")

    called = _next(app, clerk)

    assert called is not None and called["id"] == taken["id"]
    sent = _outbox(sessions, "called")
    assert sorted((m.channel, m.address) for m in sent) == [
        ("sms", "+996555000101"),
        ("telegram", "777000"),
    ]
    for message in sent:
        assert message.subject == subject and message.language == "ky"
        assert message.key.startswith(f"ticket:{taken['id']}:called:1:")
        assert message.body == notices.text("called", "ky", {"code": taken["code"], "window": "1"})
        assert taken["code"] in message.body and "1" in message.body
        assert message.due_at == at(9) and message.status == "queued"


def test_a_recall_is_told_again(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8)
    taken = _take(app, "+996555000101")
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    clock.now = at(9)
    _check_in(app, kiosk, taken, "+996555000101")
    _next(app, clerk)
    clock.now = at(9, 2)

    recalled = app.post(f"/api/v1/tickets/{taken['id']}/recall", headers=clerk)

    assert recalled.status_code == 200, recalled.text
    keys = [m.key.split(":sms:")[0] for m in _outbox(sessions, "called")]
    assert keys == [f"ticket:{taken['id']}:called:1", f"ticket:{taken['id']}:called:2"]


def test_the_near_message_is_written_once_to_those_few_enough_from_the_head(
    app: TestClient,
    context: AppContext,
    remote_office: None,
    clock: Clock,
    sessions: sessionmaker[Session],
) -> None:
    near = context.rules.notify.near_people
    clock.now = at(8)
    phones = [f"+99655500{n:04d}" for n in range(near + 3)]
    taken = [_take(app, phone) for phone in phones]
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    clock.now = at(9)
    for ticket, phone in zip(taken, phones, strict=True):
        _check_in(app, kiosk, ticket, phone)

    _next(app, clerk)  # the first is called; the next `near + 1` are near
    first_round = _outbox(sessions, "near")
    clock.now = at(9, 10)
    _next(app, clerk)  # one more moves up: told now, and nobody twice
    second_round = _outbox(sessions, "near")

    told = [m.subject for m in first_round]
    assert told == [notices.subject_of(t["id"]) for t in taken[1 : near + 2]]
    for before, message in enumerate(first_round):
        code = taken[1 + before]["code"]
        assert message.body == notices.text("near", "ru", {"code": code, "count": before})
    assert [m.subject for m in second_round] == [
        *told,
        notices.subject_of(taken[near + 2]["id"]),
    ]
    last = taken[near + 2]["code"]
    assert second_round[-1].body == notices.text("near", "ru", {"code": last, "count": near})


def test_a_holder_not_at_the_office_yet_is_asked_to_come_and_check_in(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    clock.now = at(8)
    away = _take(app, "+996555000101")
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    clock.now = at(9)
    door = _walk_in(app, kiosk)
    _walk_in(app, kiosk)

    called = _next(app, clerk)

    assert called is not None and called["id"] == door["id"]  # the absent one passed over
    (told,) = _outbox(sessions, "near_come")
    assert told.subject == notices.subject_of(away["id"])
    assert told.body == notices.text("near_come", "ru", {"code": away["code"], "count": 0})


def test_nothing_is_written_while_no_channel_is_on(
    app: TestClient, remote_office: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    context: AppContext = app.app.state.context  # type: ignore[attr-defined]
    silent = dataclasses.replace(context.rules.notify, channels=frozenset())
    app.app.state.context = dataclasses.replace(  # type: ignore[attr-defined]
        context, rules=dataclasses.replace(context.rules, notify=silent)
    )
    clock.now = at(8)
    taken = _take(app, "+996555000101")
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    clock.now = at(9)
    _check_in(app, kiosk, taken, "+996555000101")

    assert _next(app, clerk) is not None
    assert _outbox(sessions) == []
    with sessions() as session:
        from kezek.queue.models import Ticket

        assert session.get_one(Ticket, taken["id"]).near_told_at is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["called", "near", "near_come"])
def test_every_ticket_message_fits_two_sms(kind: str, language: str) -> None:
    values: dict[str, str | int] = {"code": "QQ-1024", "window": "12a", "count": 25}

    assert segments(notices.text(kind, language, values)) <= 2


def test_a_booking_checked_in_is_told_its_window_on_its_phone_without_the_document(
    app: TestClient, network: None, clock: Clock, sessions: sessionmaker[Session]
) -> None:
    from tests.factories import booking_body, start_at

    booked = app.post("/api/v1/bookings", json=booking_body(start=start_at(hour=10)))
    assert booked.status_code == 201, booked.text
    kiosk, clerk = kiosk_and_clerk(app, sessions)
    clock.now = at(9, 55)
    checked = app.post(
        "/api/v1/offices/bsk/check-in",
        json={"reference": booked.json()["reference"]},
        headers={**kiosk, "X-Document-Number": booking_body()["document_number"]},
    )
    assert checked.status_code == 201, checked.text

    _next(app, clerk)

    (told,) = _outbox(sessions, "called")
    assert told.address == booking_body()["phone"].replace(" ", "") and told.language == "ky"
    assert booking_body()["document_number"] not in told.body
    assert "1" in told.body and checked.json()["code"] in told.body
