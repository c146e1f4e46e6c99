"""A process holding many board streams wakes them less often: four times a second up to
250 streams, then less, down to twice a second from 500, and never rarer."""

from __future__ import annotations

import asyncio
from datetime import date

from kezek.queue.bus import BoardBus
from tests.server import run_async

DAY = date(2025, 4, 28)


class Office:
    def __init__(self) -> None:
        self.reads = 0

    def today(self) -> date:
        return DAY

    def read(self) -> str:
        self.reads += 1  # each change shows: a board that looks as it did wakes nobody
        return f"board #{self.reads}"


def test_the_interval_grows_with_the_streams_and_stops_at_half_a_second() -> None:
    bus = BoardBus()
    intervals = {}
    for streams in (0, 1, 250, 400, 500, 2000):
        while bus.streams < streams:
            assert bus.open_stream(most=10_000) is not None
        intervals[streams] = bus.fan_out_interval()

    assert intervals == {0: 0.25, 1: 0.25, 250: 0.25, 400: 0.4, 500: 0.5, 2000: 0.5}


def test_a_crowded_process_holds_the_next_wake_for_the_longer_interval() -> None:
    async def run() -> tuple[bool, bool, bool]:
        # Scaled up so that a slow machine cannot blur it: 40 streams make two seconds.
        bus = BoardBus(
            fan_out_seconds=0.05, fan_out_seconds_per_stream=0.05, fan_out_most_seconds=5
        )
        places = [bus.open_stream(most=100) for _ in range(40)]
        await bus.snapshot(7, DAY, lambda: "warm-up")  # the bus knows its loop
        with bus.subscribe(7, Office()) as board:
            bus.deliver(7)  # the first change after a quiet spell: at once
            woken_at_once = await asyncio.wait_for(board.next(), 1) is not None
            bus.deliver(7)
            await asyncio.sleep(0.3)  # six times the least interval, well short of two seconds
            held = not board.has_news()
            woken_at_the_end = await asyncio.wait_for(board.next(), 10) is not None
        for place in places:
            assert place is not None
            place.close()
        return woken_at_once, held, woken_at_the_end

    assert run_async(run()) == (True, True, True)
