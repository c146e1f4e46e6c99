"""The board as Server-Sent Events: the board now, then again after every change at the office.

Browsers' EventSource reconnects by itself after a drop (``retry`` sets the pause), and a
comment every 15 seconds keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from kezek.context import AppContext
from kezek.db import read_session
from kezek.queue import service

log = logging.getLogger(__name__)
KEEP_ALIVE_SECONDS = 15.0


async def board_events(
    context: AppContext, *, office: str, disconnected: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """The stream's events; the first snapshot is read before the first event is sent, so
    that an unknown office is refused before the stream starts."""

    def snapshot() -> str:
        return service.office_board(context, office=office).model_dump_json()

    def first_read() -> tuple[int, str]:
        with read_session(context.sessions) as session:
            office_id = context.directory.office(session, office).id
        return office_id, snapshot()

    office_id, first = await run_in_threadpool(first_read)
    return _events(context, office, office_id, first, snapshot, disconnected)


async def _events(
    context: AppContext,
    office: str,
    office_id: int,
    first: str,
    snapshot: Callable[[], str],
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    async with context.bus.subscribe(office_id) as changes:
        yield f"retry: 2000\nevent: board\ndata: {first}\n\n"
        behind = False  # the last change could not be read; try again at the next beat
        while not await disconnected():
            try:
                await asyncio.wait_for(changes.get(), timeout=KEEP_ALIVE_SECONDS)
            except TimeoutError:
                if not behind:
                    yield ": still here\n\n"
                    continue
            try:
                data = await run_in_threadpool(snapshot)
            except SQLAlchemyError as exc:
                # A board outlives a busy or restarting database: it keeps the stream
                # and shows the next snapshot it can read.
                log.warning("board of %s could not be read (%s); retrying", office, exc)
                behind = True
                yield ": database busy, retrying\n\n"
                continue
            behind = False
            yield f"event: board\ndata: {data}\n\n"
