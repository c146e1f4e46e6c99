"""One read of an office's board per change per process, shared by all its streams."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.exc import OperationalError

from kezek.queue.bus import BoardBus
from kezek.queue.subscriptions import FAILED, Board, Failed
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


class Office:
    """A board source as a stream gives it to the bus."""

    def __init__(self, read: Callable[[], str] | None = None) -> None:
        self.read = read or Reads()

    def today(self) -> date:
        return DAY


def test_changes_in_quick_succession_wake_the_boards_once_per_interval() -> None:
    async def run() -> tuple[bool, bool, bool]:
        bus = BoardBus(fan_out_seconds=1.0)
        await bus.snapshot(7, DAY, lambda: "warm-up")  # the bus knows its loop
        with bus.subscribe(7, Office()) as board:
            bus.deliver(7)  # the first change after a quiet spell: at once
            woken_at_once = await asyncio.wait_for(board.next(), 1) is not None
            for _ in range(5):  # four more within the interval: one wake, at its end
                bus.deliver(7)
            await asyncio.sleep(0.05)
            meanwhile = board.has_news()
            at_the_end = await asyncio.wait_for(board.next(), 2) is not None
        return woken_at_once, meanwhile, at_the_end

    assert run_async(run()) == (True, False, True)


def test_the_event_is_encoded_once_until_the_next_change() -> None:
    async def run() -> tuple[bytes, bytes]:
        bus = BoardBus()
        first = await bus.event(7, DAY, lambda: '{"n": 1}')
        again = await bus.event(7, DAY, lambda: '{"n": 2}')  # no change since: the same
        return first, again

    first, again = run_async(run())

    assert first == b'event: board\ndata: {"n": 1}\n\n' and again is first


def test_a_change_wakes_every_board_with_the_one_board_read_after_it() -> None:
    async def run() -> tuple[int, list[Board | Failed | None]]:
        bus, office = BoardBus(), Office()
        await bus.snapshot(7, DAY, lambda: "warm-up")
        with contextlib.ExitStack() as stack:
            boards = [stack.enter_context(bus.subscribe(7, office)) for _ in range(200)]
            bus.deliver(7)
            news = [await asyncio.wait_for(board.next(), 5) for board in boards]
        assert isinstance(office.read, Reads)
        return office.read.count, news

    reads, news = run_async(run())

    assert reads == 1
    assert {id(item) for item in news} == {id(news[0])}  # one event for all, not 200
    assert news[0] == Board(DAY, b"event: board\ndata: board #1\n\n")


def test_a_board_that_could_not_be_read_is_said_once_for_all_its_streams(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> str:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    async def run() -> list[Board | Failed | None]:
        bus = BoardBus()
        await bus.snapshot(7, DAY, lambda: "warm-up")
        with contextlib.ExitStack() as stack:
            boards = [stack.enter_context(bus.subscribe(7, Office(broken))) for _ in range(50)]
            bus.deliver(7)
            return [await asyncio.wait_for(board.next(), 5) for board in boards]

    with caplog.at_level(logging.WARNING, logger="kezek.queue.bus"):
        news = run_async(run())

    assert set(news) == {FAILED}
    assert len([r for r in caplog.records if "could not be read" in r.message]) == 1


def test_every_board_has_its_beat_with_no_news() -> None:
    async def run() -> list[Board | Failed | None]:
        bus = BoardBus(beat_seconds=0.05)
        with contextlib.ExitStack() as stack:
            boards = [stack.enter_context(bus.subscribe(7, Office())) for _ in range(20)]
            return [await asyncio.wait_for(board.next(), 5) for board in boards]

    assert run_async(run()) == [None] * 20


def test_a_change_that_leaves_the_board_as_it_was_wakes_no_board() -> None:
    async def run() -> tuple[bool, bool, bool]:
        bus, reads = BoardBus(fan_out_seconds=0), iter(["ticket P-001", "ticket P-001", "P-002"])
        await bus.snapshot(7, DAY, lambda: "warm-up")
        with bus.subscribe(7, Office(lambda: next(reads))) as board:
            bus.deliver(7)
            first = await asyncio.wait_for(board.next(), 5) is not None
            bus.deliver(7)  # a window opened: the board reads the same
            await asyncio.sleep(0.1)
            same = board.has_news()
            bus.deliver(7)  # a ticket called
            changed = await asyncio.wait_for(board.next(), 5) is not None
        return first, same, changed

    assert run_async(run()) == (True, False, True)
