"""At each beat every office with boards in this process is read again: a change whose
notice never came (its worker stopped between the commit and the notice) reaches the
boards by the next beat, and an office that has not changed wakes nobody with news."""

from __future__ import annotations

import asyncio
from datetime import date

from kezek.queue.bus import BoardBus
from kezek.queue.subscriptions import Board, Failed
from tests.server import run_async

DAY = date(2025, 4, 28)


class Office:
    """The office's board as the database has it: ``shown`` until someone changes it."""

    def __init__(self) -> None:
        self.shown = "board #1"
        self.reads = 0

    def today(self) -> date:
        return DAY

    def read(self) -> str:
        self.reads += 1
        return self.shown


async def _news(board: object, *, within: float) -> list[Board | Failed | None]:
    """What the board is woken with during ``within`` seconds: news, or None for a beat."""
    woken: list[Board | Failed | None] = []
    try:
        async with asyncio.timeout(within):
            while True:
                woken.append(await board.next())  # type: ignore[attr-defined]
    except TimeoutError:
        return woken


def test_a_change_nobody_told_reaches_the_boards_at_the_next_beat() -> None:
    async def run() -> tuple[list[bytes], list[bytes], int]:
        bus, office = BoardBus(beat_seconds=0.2), Office()
        await bus.snapshot(7, DAY, lambda: "warm-up")  # the bus knows its loop
        with bus.subscribe(7, office) as board:
            bus.deliver(7)  # the board's first read
            first = await _news(board, within=0.1)
            quiet = await _news(board, within=0.5)  # beats, and nothing new to show
            office.shown = "board #2"  # committed elsewhere; its notice never came
            later = await _news(board, within=0.5)
        shown = [news.event for news in first + later if isinstance(news, Board)]
        unchanged = [news.event for news in quiet if isinstance(news, Board)]
        return shown, unchanged, office.reads

    shown, unchanged, reads = run_async(run())

    assert [event.split(b"data: ")[1].strip() for event in shown] == [b"board #1", b"board #2"]
    assert unchanged == []  # read again at each beat, but the same board is no news
    assert reads >= 3
