"""The HTTP server's own limits, which uvicorn's httptools protocol lacks.

uvicorn (the server FastAPI is made for, and the one Kezek ships with) parses HTTP with
httptools, fast and well kept, but it reads a request's head without a size limit or a
deadline: a client could send a header of 64 MB, or one byte of it every few seconds, and
hold a connection and its memory for as long as it liked. This protocol is uvicorn's own
with three limits added, each a setting:

- the request head (request line and headers) is at most ``KEZEK_HTTP_MAX_HEADER_BYTES``
  (32 KiB); past it the answer is 431 and the connection closes, so memory stays bounded;
- the head must arrive within ``KEZEK_HTTP_HEADER_TIMEOUT_SECONDS`` (15 s) of its first
  byte or of the connection, else 408 and close (slow headers, "slowloris");
- a body must arrive within ``KEZEK_HTTP_BODY_TIMEOUT_SECONDS`` (30 s) of its head, else
  408 (when nothing was answered yet) and close (slow bodies).

The number of connections a worker serves at once is uvicorn's ``limit_concurrency``
(``KEZEK_HTTP_MAX_CONNECTIONS``), answered 503 beyond. A reverse proxy in front
(``deploy/nginx``) sets the same limits again at the edge.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kezek.config import get_settings

log = logging.getLogger(__name__)


class HeadTooLarge(Exception):
    """Raised inside the parser to stop it: the head is over the limit."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.max_head_bytes = settings.http_max_header_bytes
        self.head_seconds = settings.http_header_timeout_seconds
        self.body_seconds = settings.http_body_timeout_seconds
        self._awaiting_head = True
        self._head_bytes = 0
        self._head_too_large = False
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._set_deadline(self.head_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_head:
            if self._deadline is None:  # the first byte of a request on a kept-alive connection
                self._set_deadline(self.head_seconds)
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            self._awaiting_head
            and self._head_bytes > self.max_head_bytes
            and not self.transport.is_closing()
        ):
            log.warning("request head over %d bytes refused", self.max_head_bytes)
            self._refuse(431, b"Request Header Fields Too Large")

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        # The whole head may have come in one read, past the size the reads above counted.
        head = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if head > self.max_head_bytes:
            self._head_too_large = True
            raise HeadTooLarge  # the parser stops; uvicorn answers, through send_400_response
        earlier = self.cycle is not None and not self.cycle.response_complete
        if not earlier:  # a request sent before the last was answered waits: no deadline yet
            self._set_deadline(self.body_seconds)
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            log.warning("request head over %d bytes refused", self.max_head_bytes)
            self._refuse(431, b"Request Header Fields Too Large")
            return
        super().send_400_response(msg)

    def on_message_complete(self) -> None:
        self._clear_deadline()
        self._awaiting_head = True
        self._head_bytes = 0
        super().on_message_complete()

    def _set_deadline(self, seconds: float) -> None:
        self._clear_deadline()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _clear_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        answered = self.cycle is not None and self.cycle.response_started
        log.warning("request too slow to arrive; connection closed")
        if answered or self.pipeline:  # never a word into the middle of another answer
            self.transport.close()
        else:
            self._refuse(408, b"Request Timeout")

    def _refuse(self, status: int, reason: bytes) -> None:
        """Answer ``status`` in plain words and close: nothing more is read from this client."""
        body = reason + b"\n"
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason, len(body), body)
        )
        self.transport.close()
