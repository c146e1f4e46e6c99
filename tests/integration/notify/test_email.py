"""E-mail reaches the SMTP server with its subject, its text and the booking's .ics."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.channels import EmailTransport
from kezek.notify.models import Channel, MessageStatus
from kezek.notify.service import transports
from tests.fakes import SmtpSink
from tests.integration.notify.helpers import MAILBOX, Clock, enqueue_all, message, outbox, relay_for

CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kezek//EN\r\nMETHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\nUID:K7M2QX@kezek\r\nDTSTART:20261210T040000Z\r\n"
    "SUMMARY:Консулдук кабыл алуу\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
SUBJECT = "Жазылуу ырасталды — K7M2QX"


def test_the_mail_arrives_with_its_subject_text_and_calendar(
    notify_settings: Settings, sessions: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    body = "Сиз 10-декабрда саат 10:00гө жазылдыңыз."
    enqueue_all(
        sessions,
        [
            message(
                "mail", channel=Channel.email, body=body, subject_line=SUBJECT, calendar=CALENDAR
            )
        ],
    )

    done = relay_for(sessions, notify_settings).run_once()

    assert done.sent == 1
    [mail] = smtp_sink.messages
    assert mail["Subject"] == SUBJECT
    assert mail["To"] == MAILBOX
    assert mail["From"] == notify_settings.mail_from
    assert smtp_sink.envelopes[0].rcpt_tos == [MAILBOX]
    text = mail.get_body(("plain",))
    assert text is not None and text.get_content().strip() == body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "booking.ics"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_content() == CALENDAR  # CRLF line ends kept, as RFC 5545 wants
    assert outbox(sessions)["mail"].status == MessageStatus.sent.value


def test_a_mail_without_a_calendar_has_no_attachment(
    notify_settings: Settings, sessions: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    enqueue_all(sessions, [message("plain", channel=Channel.email, subject_line="Kezek")])

    relay_for(sessions, notify_settings).run_once()

    [mail] = smtp_sink.messages
    assert list(mail.iter_attachments()) == [] and mail.get_content_type() == "text/plain"


def test_the_same_message_sent_twice_has_the_same_message_id(
    notify_settings: Settings, sessions: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    enqueue_all(
        sessions,
        [message("again", channel=Channel.email), message("other", channel=Channel.email)],
    )
    rows = outbox(sessions)
    transport = transports(notify_settings)[Channel.email]
    assert isinstance(transport, EmailTransport)

    for row in (rows["again"], rows["again"], rows["other"]):
        transport.send(row)

    first, repeated, other = (mail["Message-ID"] for mail in smtp_sink.messages)
    assert first == repeated != other
    assert first.endswith("@kezek.invalid>")  # the sender's domain
    assert [mail["X-Kezek-Key"] for mail in smtp_sink.messages][:2] == [rows["again"].key] * 2


def test_a_refused_address_is_dead_at_once_and_a_busy_server_is_tried_again(
    notify_settings: Settings, sessions: sessionmaker[Session], smtp_sink: SmtpSink
) -> None:
    clock = Clock()
    smtp_sink.refuse("nobody@example.org")
    smtp_sink.fail_next(1)
    enqueue_all(
        sessions,
        [
            message("busy", channel=Channel.email, due_at=clock.now),
            message("nobody", channel=Channel.email, to="nobody@example.org", due_at=clock.now),
        ],
    )
    relay = relay_for(sessions, notify_settings, clock=clock, retry_seconds=5)

    first = relay.run_once()
    clock.advance(seconds=5)
    second = relay.run_once()

    rows = outbox(sessions)
    assert (first.retried, first.dead, second.sent) == (1, 1, 1)
    assert rows["nobody"].status == MessageStatus.dead.value
    assert rows["nobody"].last_error == "the mail server refused the address"
    assert rows["busy"].status == MessageStatus.sent.value and rows["busy"].attempts == 2
    assert [mail["To"] for mail in smtp_sink.messages] == [MAILBOX]
