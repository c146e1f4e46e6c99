"""An SMTP server that keeps what it receives: a real aiosmtpd server in a thread.

    sink = SmtpSink().started()   # or the ``smtp_sink`` fixture
    settings: smtp_host=sink.host, smtp_port=sink.port, smtp_tls="none"
    ... send ...
    mail = sink.messages[0]       # an email.message.EmailMessage
    mail["Subject"], mail.get_body(("plain",)).get_content()
    [part.get_content_type() for part in mail.iter_attachments()]

Plain SMTP without TLS or login. ``refuse(address)`` answers 550 to that recipient;
``fail_next(n)`` answers the next ``n`` messages 451 (try again later).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.server import free_port


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.sink._refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return self.sink._receive(envelope)


class SmtpSink:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[EmailMessage] = []  # parsed, in the order received
        self.envelopes: list[Envelope] = []  # MAIL FROM and RCPT TO of each message
        self._refused: set[str] = set()
        self._failures = 0
        self._changed = threading.Condition()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def started(self) -> SmtpSink:
        self.start()
        return self

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def refuse(self, address: str) -> None:
        """Refuse mail to ``address`` for good (550), as for a mailbox that does not exist."""
        self._refused.add(address.lower())

    def fail_next(self, count: int) -> None:
        """Answer the next ``count`` messages 451: the server is busy, try again later."""
        with self._changed:
            self._failures += count

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope went to ``address``."""
        with self._changed:
            return [
                message
                for message, envelope in zip(self.messages, self.envelopes, strict=True)
                if address in envelope.rcpt_tos
            ]

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until ``count`` messages have arrived; return them all."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"the SMTP sink has {len(self.messages)} messages, not {count}, "
                    f"after {timeout} s"
                )
            return list(self.messages)

    def _receive(self, envelope: Any) -> str:
        with self._changed:
            if self._failures:
                self._failures -= 1
                return "451 4.3.0 Try again later"
            parsed = message_from_bytes(envelope.content, policy=default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
            self._changed.notify_all()
        return "250 Message accepted for delivery"
