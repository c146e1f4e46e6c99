"""Messages are written in the transaction of the event: committed, each is delivered once;
rolled back, nothing is sent."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.booking.models import Booking
from kezek.config import Settings
from kezek.notify.models import Channel, MessageStatus, OutboxMessage
from kezek.notify.outbox import enqueue
from kezek.types import utcnow
from tests.factories import booking_body, start_at
from tests.fakes import FakeSmsGateway, FakeTelegram, SmtpSink
from tests.fakes.fixtures import pointed_at
from tests.integration.notify.helpers import (
    CHAT,
    MAILBOX,
    PHONE,
    enqueue_all,
    message,
    outbox,
    relay_for,
)


class Refused(Exception):
    pass


def test_a_committed_transaction_s_messages_all_arrive(
    notify_settings: Settings,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
    telegram: FakeTelegram,
    smtp_sink: SmtpSink,
) -> None:
    written = [
        message("a", channel=Channel.sms),
        message("a", channel=Channel.telegram),
        message("a", channel=Channel.email, subject_line="Kezek"),
    ]
    assert enqueue_all(sessions, written) == 3

    done = relay_for(sessions, notify_settings).run_once()

    assert (done.claimed, done.sent) == (3, 3)
    assert [(m["to"], m["text"]) for m in sms_gateway.delivered] == [(PHONE, written[0].body)]
    assert telegram.sent == {CHAT: [written[1].body]}
    assert [mail["To"] for mail in smtp_sink.messages] == [MAILBOX]
    assert {row.status for row in outbox(sessions).values()} == {MessageStatus.sent.value}


def test_a_rolled_back_transaction_sends_nothing(
    notify_settings: Settings,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
    telegram: FakeTelegram,
    smtp_sink: SmtpSink,
) -> None:
    try:
        with sessions.begin() as session:
            enqueue(session.connection(), [message("b", channel=Channel.sms)], now=utcnow())
            enqueue(session.connection(), [message("b", channel=Channel.email)], now=utcnow())
            raise Refused  # the event failed after its messages were written
    except Refused:
        pass

    done = relay_for(sessions, notify_settings).run_once()

    assert done.claimed == 0
    assert outbox(sessions) == {}
    assert sms_gateway.received == [] and telegram.calls == [] and smtp_sink.messages == []


def test_an_event_written_twice_sends_once(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    assert enqueue_all(sessions, [message("c")]) == 1
    assert enqueue_all(sessions, [message("c", body="the same event, replayed")]) == 0

    relay_for(sessions, notify_settings).run_once()

    assert [m["text"] for m in sms_gateway.delivered] == [message("c").body]


def test_a_booking_s_confirmation_reaches_the_phone_and_a_refused_one_nothing(
    settings: Settings,
    sessions: sessionmaker[Session],
    network: None,
    sms_gateway: FakeSmsGateway,
) -> None:
    configured = pointed_at(settings, sms=sms_gateway)
    app = create_app(configured)
    with TestClient(app) as client:
        booked = client.post("/api/v1/bookings", json=booking_body())
        # The same document again: refused inside the booking's transaction.
        refused = client.post("/api/v1/bookings", json=booking_body(start=start_at(hour=11)))
    app.state.context.sessions.kw["bind"].dispose()
    assert booked.status_code == 201, booked.text
    assert refused.status_code == 409, refused.text

    relay_for(sessions, configured).run_once()

    reference = booked.json()["reference"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        subjects = set(session.scalars(select(OutboxMessage.subject)))
    assert subjects == {f"booking:{reference}"}  # nothing written for the refused one
    assert [m["to"] for m in sms_gateway.delivered] == ["+996555000001"]  # as E.164
    assert reference in sms_gateway.delivered[0]["text"]
