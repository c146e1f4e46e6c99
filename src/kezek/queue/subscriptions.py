"""A board stream's place on the bus, and the wave that wakes many of them.

A worker serves its routes' work in threads and its connections on one event loop, in one
interpreter. Waking a thousand streams back to back keeps the loop's thread holding the
interpreter, and a route's thread waiting for it gets it back only when the wake ends: every
request in flight stalls as long as the wake. So a wave wakes a few streams, then leaves the
loop idle for a moment, in which the threads take the interpreter and the loop answers what
came in. In bench/board_streams.py (1,000 streams on two workers), other requests' p99 went
from 2.2 and 2.6 times the p99 without boards to 1.20 and 1.18 times.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple, Protocol

WAKE_BATCH = 8  # streams woken at a time: a few hundred microseconds of the loop's work
WAKE_PAUSE_SECONDS = 0.001  # then the loop idles this long before the next few


class BoardSource(Protocol):
    """How the bus reads an office's board: its local day, and the board as JSON."""

    def today(self) -> date: ...

    def read(self) -> str: ...


class Board(NamedTuple):
    """The office's board as one Server-Sent Event, read on the office's local ``day``."""

    day: date
    event: bytes


class Failed(enum.Enum):
    """The board could not be read: the stream says so and tries again at its beat."""

    FAILED = "failed"


FAILED = Failed.FAILED


class Subscription:
    """One stream's place on the bus. ``next`` waits for the news a wake hands it (only
    the latest is kept: the board is shown whole each time), or for its beat."""

    __slots__ = ("_beat", "_loop", "_news", "_waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._news: Board | Failed | None = None
        self._beat = False
        self._waiter: asyncio.Future[None] | None = None

    def hand(self, news: Board | Failed) -> None:
        self._news = news
        self._wake()

    def beat(self) -> None:
        self._beat = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def has_news(self) -> bool:
        return self._news is not None or self._beat

    async def next(self) -> Board | Failed | None:
        """The news, or None for the beat. News and a beat at once give the news first, and
        the beat at the next call."""
        if not self.has_news():
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        news, self._news = self._news, None
        if news is None:
            self._beat = False
        return news


class Wave:
    """Wakes ``boards`` with ``wake``, ``WAKE_BATCH`` at a time, pausing between batches.
    ``stop`` ends it early: a newer wave of the same office wakes them all again."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        boards: Sequence[Subscription],
        wake: Callable[[Subscription], None],
    ) -> None:
        self._loop = loop
        self._boards = boards
        self._wake = wake
        self._stopped = False

    def start(self) -> Wave:
        self._run(0)
        return self

    def stop(self) -> None:
        self._stopped = True

    def _run(self, start: int) -> None:
        if self._stopped:
            return
        end = start + WAKE_BATCH
        for board in self._boards[start:end]:
            self._wake(board)
        if end < len(self._boards):
            self._loop.call_later(WAKE_PAUSE_SECONDS, self._run, end)
