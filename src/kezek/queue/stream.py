"""The board as Server-Sent Events: the board now, then again after every change at the office.

Browsers' EventSource reconnects by itself after a drop (``retry`` sets the pause), and a
comment every 15 seconds keeps proxies from closing an idle stream. The snapshots are shared:
one read per office per change per process (``BoardBus.snapshot``), however many boards
watch. A process holds at most ``KEZEK_BOARD_STREAMS_MAX`` streams; one more is refused with
503 and Retry-After, so that boards cannot take every connection a worker has. At the
office's midnight the board is read again, so that it starts the new day empty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool

from kezek.context import AppContext
from kezek.db import read_session
from kezek.errors import Problem
from kezek.queue import service
from kezek.queue.bus import StreamPlace
from kezek.queue.subscriptions import FAILED, Board, Failed

FULL_RETRY_SECONDS = 30


class TooManyBoards(Problem):
    status = 503
    code = "too_many_boards"
    title = "Too many boards are open"


async def board_events(
    context: AppContext, *, office: str
) -> tuple[AsyncIterator[bytes], StreamPlace]:
    """The stream's events, and its place among this process's streams, to give back when
    the answer ends. The first snapshot is read before the first event is sent, so that an
    unknown office is refused before the stream starts, as is one stream too many."""
    place = context.bus.open_stream(context.settings.board_streams_max)
    if place is None:
        full = TooManyBoards(
            "This server shows as many boards as it can. Try again in a minute.",
            retry_after_seconds=FULL_RETRY_SECONDS,
        )
        full.headers = {"Retry-After": str(FULL_RETRY_SECONDS)}
        raise full
    try:
        watched = await _watched(context, office)
        heard = context.bus.changes(watched.office_id)
        first = await watched.event()
    except BaseException:
        place.close()
        raise
    return _events(watched, first, heard, place), place


class _Watched:
    """One office as its boards see it: its changes, its day, its shared snapshot."""

    def __init__(self, context: AppContext, code: str, office_id: int, zone: ZoneInfo) -> None:
        self.context = context
        self.code = code
        self.office_id = office_id
        self.zone = zone

    def today(self) -> date:
        return self.context.clock().astimezone(self.zone).date()

    async def event(self) -> bytes:
        return await self.context.bus.event(self.office_id, self.today(), self.read)

    def read(self) -> str:
        return service.office_board(self.context, office=self.code).model_dump_json()


async def _watched(context: AppContext, office: str) -> _Watched:
    def look_up() -> _Watched:
        with read_session(context.sessions) as session:
            info = context.directory.office(session, office)
        return _Watched(context, office, info.id, info.zone)

    return await run_in_threadpool(look_up)


async def _events(
    watched: _Watched,
    first: bytes,
    heard: int,
    place: StreamPlace,
) -> AsyncIterator[bytes]:
    """A thousand boards are woken together, so a wake costs a stream as little as it can:
    the bus has read and encoded the board already, and the stream only writes it. A board
    that went away is noticed by the server, which ends the stream (kezek.http.event_stream)."""
    bus, office_id = watched.context.bus, watched.office_id
    try:
        with bus.subscribe(office_id, watched) as board:
            yield b"retry: 2000\n" + first
            shown_day = watched.today()
            behind = False  # the last board could not be read; try again at the next beat
            # A change between the first read and listening: read again at once.
            news: Board | Failed | None = (
                await bus.news(office_id, watched) if bus.changes(office_id) != heard else None
            )
            while True:
                if news is None:
                    news = await board.next()
                if news is None:  # the beat
                    if not behind and watched.today() == shown_day:
                        yield b": still here\n\n"
                        continue
                    news = await bus.news(office_id, watched)
                if news is FAILED:
                    behind = True
                    yield b": database busy, retrying\n\n"
                else:
                    behind, shown_day = False, news.day
                    yield news.event
                news = None
    finally:
        place.close()
