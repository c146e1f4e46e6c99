"""An HTTP SMS gateway that honours Idempotency-Key, as the one Kezek is configured with.

    gateway = FakeSmsGateway().started()   # or the ``sms_gateway`` fixture
    settings.sms_url = gateway.url
    ... send ...
    gateway.delivered   # [{"to": "+996…", "text": "…", "sender": "Kezek", "key": "…", …}]

It accepts a JSON body (Kezek's default KEZEK_SMS_BODY: ``{"to", "text", "from"}``) and
answers 200 ``{"id": …}``. A request whose Idempotency-Key it has accepted before is answered
200 again with the same id and not delivered again: ``delivered`` holds each message once,
``accepted`` counts how often each key was accepted (a retried send counts twice there).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

from tests.fakes.http import Answer, JsonServer, Request


class FakeSmsGateway(JsonServer):
    def __init__(self, *, authorization: str | None = None, delay: float = 0.0) -> None:
        """``authorization``: the Authorization header required (401 without it);
        ``delay``: seconds each request takes, to slow a relay down."""
        super().__init__()
        self.url = f"{self.base_url}/send"
        self.authorization = authorization
        self.delay = delay
        self.received: list[Request] = []  # every request, whatever it was answered
        self.delivered: list[dict[str, Any]] = []  # each message once, in delivery order
        self.accepted: Counter[str] = Counter()  # Idempotency-Key -> times answered 200
        self._ids: dict[str, int] = {}
        self._failures: list[int] = []  # statuses for the next requests
        self._refused: dict[str, int] = {}  # number -> status
        self._changed = threading.Condition(self.lock)

    def started(self) -> FakeSmsGateway:
        self.start()
        return self

    # What the test tells the gateway ----------------------------------------------------

    def fail_next(self, count: int, *, status: int = 500) -> None:
        """Answer the next ``count`` requests with ``status`` and deliver none of them."""
        with self.lock:
            self._failures.extend([status] * count)

    def refuse(self, number: str, *, status: int = 400) -> None:
        """Answer every message to ``number`` with ``status`` (400: an invalid number)."""
        with self.lock:
            self._refused[number] = status

    def accept(self, number: str) -> None:
        """Deliver to ``number`` again, as after the citizen's number was put right."""
        with self.lock:
            self._refused.pop(number, None)

    # What the test reads -----------------------------------------------------------------

    @property
    def keys(self) -> list[str]:
        """The Idempotency-Key of each delivered message, in delivery order."""
        with self.lock:
            return [message["key"] for message in self.delivered]

    def to(self, number: str) -> list[str]:
        """The texts delivered to ``number``."""
        with self.lock:
            return [message["text"] for message in self.delivered if message["to"] == number]

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` messages are delivered; return them all (fails on timeout)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.delivered) >= count, timeout):
                raise AssertionError(
                    f"the SMS gateway has {len(self.delivered)} messages, not {count}, "
                    f"after {timeout} s"
                )
            return list(self.delivered)

    # The gateway itself -------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if self.delay:
            time.sleep(self.delay)
        with self._changed:
            self.received.append(request)
            self._changed.notify_all()
            if request.method != "POST" or not request.path.startswith("/send"):
                return 404, {"error": "not found"}
            if self.authorization and request.headers.get("authorization") != self.authorization:
                return 401, {"error": "unauthorized"}
            if self._failures:
                return self._failures.pop(0), {"error": "the gateway failed"}
            try:
                body = request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                return 400, {"error": "the body is not JSON"}
            if not isinstance(body, dict):
                return 400, {"error": "the body is not a JSON object"}
            number = str(body.get("to", ""))
            if number in self._refused:
                return self._refused[number], {"error": f"invalid number {number}"}
            key = request.headers.get("idempotency-key")
            if key is not None and key in self._ids:
                self.accepted[key] += 1  # a repeat: the same answer, nothing sent again
                return 200, {"id": self._ids[key], "repeated": True}
            message_id = len(self.delivered) + 1
            self.delivered.append(
                {
                    "to": number,
                    "text": body.get("text"),
                    "sender": body.get("from", body.get("sender")),
                    "key": key,
                    "body": body,
                    "authorization": request.headers.get("authorization"),
                }
            )
            if key is not None:
                self._ids[key] = message_id
                self.accepted[key] += 1
            self._changed.notify_all()
            return 200, {"id": message_id}
