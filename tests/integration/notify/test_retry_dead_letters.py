"""Dead letters go back to the queue when an admin asks (the cause fixed), and are then sent."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kezek.bootstrap import build_context
from kezek.config import Settings
from kezek.notify.models import MessageStatus
from kezek.notify.service import dead_letters, retry
from kezek.types import utcnow
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import enqueue_all, message, outbox, relay_for


def _three_dead_letters(
    settings: Settings, sessions: sessionmaker[Session], gateway: FakeSmsGateway
) -> None:
    enqueue_all(sessions, [message(f"d{n}", to=f"+99670000000{n}") for n in range(3)])
    enqueue_all(sessions, [message("fine", to="+996555000000")])
    for n in range(3):
        gateway.refuse(f"+99670000000{n}")
    relay_for(sessions, settings).run_once()
    for n in range(3):
        gateway.accept(f"+99670000000{n}")


def test_all_dead_letters_are_queued_again_and_delivered(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    _three_dead_letters(notify_settings, sessions, sms_gateway)
    context = build_context(notify_settings)
    listed = dead_letters(context)

    requeued = retry(context, ids=None, now=utcnow())
    done = relay_for(sessions, notify_settings).run_once()

    assert {letter.address for letter in listed} == {"…0000", "…0001", "…0002"}  # masked
    assert requeued == 3 and done.sent == 3
    rows = outbox(sessions)
    assert {rows[f"d{n}"].status for n in range(3)} == {MessageStatus.sent.value}
    assert rows["d0"].attempts == 1  # a fresh round of tries
    assert sorted(m["to"] for m in sms_gateway.delivered) == [
        "+996555000000",
        "+996700000000",
        "+996700000001",
        "+996700000002",
    ]
    assert dead_letters(context) == []
    context.sessions.kw["bind"].dispose()


def test_only_the_named_dead_letters_are_queued_again(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    _three_dead_letters(notify_settings, sessions, sms_gateway)
    context = build_context(notify_settings)
    chosen = outbox(sessions)["d1"].id
    sent = outbox(sessions)["fine"].id

    requeued = retry(context, ids=[chosen, sent], now=utcnow())  # a sent one stays sent
    relay_for(sessions, notify_settings).run_once()

    rows = outbox(sessions)
    assert requeued == 1
    assert [rows[f"d{n}"].status for n in range(3)] == ["dead", "sent", "dead"]
    assert len(sms_gateway.delivered) == 2  # "fine" once, and d1
    context.sessions.kw["bind"].dispose()
