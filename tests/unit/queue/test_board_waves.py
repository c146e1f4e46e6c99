"""Waking many board streams: a few at a time, the loop idle in between, the latest news."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import defaultdict
from datetime import date

import pytest

from kezek.queue import subscriptions
from kezek.queue.bus import BoardBus
from kezek.queue.subscriptions import (
    FAILED,
    WAKE_BATCH,
    WAKE_PAUSE_SECONDS,
    Board,
    Failed,
    Subscription,
    Wave,
)
from tests.server import run_async

DAY = date(2025, 4, 28)


def test_a_thousand_boards_are_woken_a_few_at_a_time_with_the_loop_idle_in_between() -> None:
    async def run() -> tuple[list[float], list[int]]:
        loop = asyncio.get_running_loop()
        boards = [Subscription(loop) for _ in range(1000)]
        woken_at: list[float] = []
        seen_by_other_work: list[int] = []
        Wave(loop, boards, lambda board: woken_at.append(time.perf_counter())).start()
        while len(woken_at) < 1000:  # other work on the loop meanwhile
            seen_by_other_work.append(len(woken_at))
            await asyncio.sleep(0)
        return woken_at, seen_by_other_work

    woken_at, seen = run_async(run())

    batches = [woken_at[n : n + WAKE_BATCH] for n in range(0, 1000, WAKE_BATCH)]
    pauses = [later[0] - earlier[-1] for earlier, later in itertools.pairwise(batches)]
    # The loop idles between two batches (a timer never fires early), in which the
    # worker's threads take the interpreter; not only other callbacks run.
    assert min(pauses) >= 0.0009
    assert set(seen) == set(range(WAKE_BATCH, 1000, WAKE_BATCH))  # it ran between every two


def test_a_stopped_wave_wakes_no_more() -> None:
    async def run() -> int:
        loop = asyncio.get_running_loop()
        woken: list[Subscription] = []
        wave = Wave(loop, [Subscription(loop) for _ in range(100)], woken.append).start()
        wave.stop()
        await asyncio.sleep(WAKE_PAUSE_SECONDS * 20)
        return len(woken)

    assert run_async(run()) == WAKE_BATCH  # the first batch, woken as the wave started


def test_news_and_a_beat_at_once_give_the_latest_news_then_the_beat() -> None:
    async def run() -> tuple[Board | Failed | None, Board | Failed | None, bool]:
        board = Subscription(asyncio.get_running_loop())
        board.beat()
        board.hand(Board(DAY, b"older"))
        board.hand(FAILED)
        board.hand(Board(DAY, b"newer"))  # only the latest is kept: boards show it whole
        return await board.next(), await board.next(), board.has_news()

    assert run_async(run()) == (Board(DAY, b"newer"), None, False)


def test_a_newer_wave_of_an_office_hands_no_board_older_news(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed: dict[int, list[bytes]] = defaultdict(list)
    real_hand = Subscription.hand

    def counted_hand(self: Subscription, news: Board | Failed) -> None:
        assert isinstance(news, Board)
        handed[id(self)].append(news.event)
        real_hand(self, news)

    monkeypatch.setattr(subscriptions.Subscription, "hand", counted_hand)
    reads = iter(range(1, 10))

    class Office:
        def today(self) -> date:
            return DAY

        def read(self) -> str:
            time.sleep(0.01)
            return str(next(reads))

    async def run() -> None:
        bus = BoardBus(fan_out_seconds=0)
        await bus.snapshot(7, DAY, lambda: "0")  # the bus knows its loop
        with contextlib.ExitStack() as stack:
            boards = [stack.enter_context(bus.subscribe(7, Office())) for _ in range(400)]
            bus.deliver(7)
            await asyncio.sleep(0.02)  # the first wave is under way
            bus.deliver(7)
            while any(not handed[id(b)] or handed[id(b)][-1].endswith(b"1\n\n") for b in boards):
                await asyncio.sleep(0.01)

    run_async(asyncio.wait_for(run(), 10))

    newest = b"event: board\ndata: 2\n\n"
    assert len(handed) == 400 and all(events[-1] == newest for events in handed.values())
    assert all(events == sorted(events) for events in handed.values())  # never older after
    assert all(len(events) <= 2 for events in handed.values())
