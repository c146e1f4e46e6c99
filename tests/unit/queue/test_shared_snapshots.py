"""One read of an office's board per change per process, shared by all its streams."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import date

from kezek.queue.bus import BoardBus
from tests.server import run_async

DAY = date(2025, 4, 28)


class Reads:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        time.sleep(0.02)  # a database read takes a while; the streams wait for it together
        return f"board #{self.count}"


def test_two_hundred_streams_woken_by_one_change_read_once() -> None:
    async def run() -> tuple[set[str], int, str, int]:
        bus, read = BoardBus(), Reads()
        first = await asyncio.gather(*(bus.snapshot(7, DAY, read) for _ in range(200)))
        bus.deliver(7)  # a change at the office
        await asyncio.sleep(0)  # delivered on the loop, as from the database's listener
        after = await asyncio.gather(*(bus.snapshot(7, DAY, read) for _ in range(200)))
        return set(first), read.count, after[0], len(set(after))

    first, reads, after, distinct = run_async(run())

    assert first == {"board #1"}
    assert reads == 2 and after == "board #2" and distinct == 1


def test_a_new_day_or_another_office_is_read_afresh() -> None:
    async def run() -> list[str]:
        bus, read = BoardBus(), Reads()
        return [
            await bus.snapshot(7, DAY, read),
            await bus.snapshot(7, DAY, read),
            await bus.snapshot(7, date(2025, 4, 29), read),  # midnight at the office
            await bus.snapshot(8, date(2025, 4, 29), read),
        ]

    assert run_async(run()) == ["board #1", "board #1", "board #2", "board #3"]


def test_a_change_during_a_read_is_read_again() -> None:
    async def run() -> list[str]:
        bus = BoardBus()
        count = 0

        def read_while_changing() -> str:
            nonlocal count
            count += 1
            if count == 1:
                bus.deliver(7)  # a ticket issued while the board was being read
                time.sleep(0.02)
            return f"board #{count}"

        await bus.snapshot(7, DAY, lambda: "warm-up")  # the bus knows its loop
        bus.deliver(7)
        await asyncio.sleep(0)
        first = await bus.snapshot(7, DAY, read_while_changing)
        await asyncio.sleep(0)
        second = await bus.snapshot(7, DAY, read_while_changing)
        return [first, second]

    assert run_async(run()) == ["board #1", "board #2"]


def test_a_stream_place_is_given_back_once() -> None:
    bus = BoardBus()
    places = [bus.open_stream(2), bus.open_stream(2)]

    refused = bus.open_stream(2)
    assert places[0] is not None
    places[0].close()
    places[0].close()  # the stream's end and the answer's end both give it back

    assert refused is None and bus.streams == 1 and bus.open_stream(2) is not None


def test_a_listener_back_after_a_loss_makes_every_board_read_again() -> None:
    async def run() -> list[str]:
        bus, read = BoardBus(), Reads()
        first = await bus.snapshot(7, DAY, read)
        bus.all_changed()  # as the listener does once it listens again
        return [first, await bus.snapshot(7, DAY, read)]

    assert run_async(run()) == ["board #1", "board #2"]


def test_changes_in_quick_succession_wake_the_boards_once_per_interval() -> None:
    async def run() -> tuple[int, int, int, bytes, bytes]:
        bus = BoardBus(fan_out_seconds=1.0)
        await bus.snapshot(7, DAY, lambda: "warm-up")  # the bus knows its loop
        async with bus.subscribe(7) as board:
            bus.deliver(7)  # the first change after a quiet spell: at once
            await asyncio.sleep(0.01)
            woken_at_once = board.qsize()
            board.get_nowait()
            for _ in range(5):  # four more within the interval: one wake, at its end
                bus.deliver(7)
            await asyncio.sleep(0.05)
            meanwhile = board.qsize()
            await asyncio.sleep(1.2)
            at_the_end = board.qsize()
        first = await bus.event(7, DAY, lambda: '{"n": 1}')
        again = await bus.event(7, DAY, lambda: '{"n": 2}')  # no change since: the same
        return woken_at_once, meanwhile, at_the_end, first, again

    woken_at_once, meanwhile, at_the_end, first, again = run_async(run())

    assert (woken_at_once, meanwhile, at_the_end) == (1, 0, 1)
    assert first == b'event: board\ndata: {"n": 1}\n\n' and again is first


def test_a_thousand_boards_are_woken_in_batches_between_other_work() -> None:
    async def run() -> tuple[list[int], int]:
        bus = BoardBus()
        await bus.snapshot(7, DAY, lambda: "warm-up")
        woken: list[int] = []
        async with contextlib.AsyncExitStack() as stack:
            boards = [await stack.enter_async_context(bus.subscribe(7)) for _ in range(1000)]
            bus.deliver(7)
            for _ in range(40):  # each turn of the loop, count the boards woken so far
                await asyncio.sleep(0)
                woken.append(sum(board.qsize() for board in boards))
        return woken, max(woken)

    woken, everyone = run_async(run())

    assert everyone == 1000
    assert 0 < woken[1] < 1000  # some before the others: other work runs in between
