"""The hop of the busiest routes' work to a thread (kezek.http.threads)."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from kezek.http.threads import TICKET_PAGE_THREADS, ThreadPool, for_ticket_pages, on_a_thread
from tests.server import run_async

current: contextvars.ContextVar[str] = contextvars.ContextVar("current", default="none")


def test_the_work_runs_on_another_thread_in_the_callers_context() -> None:
    async def main() -> tuple[str, str, int]:
        current.set("request-7")
        return await on_a_thread(
            lambda x, *, y: (current.get(), threading.current_thread().name, x + y), 2, y=3
        )

    seen, thread, total = run_async(main())
    assert seen == "request-7"
    assert thread.startswith("kezek-route-")
    assert total == 5


def test_the_works_error_is_raised_to_the_caller_as_it_was() -> None:
    class Refused(Exception):
        pass

    def refuse() -> None:
        raise Refused("no place left")

    with pytest.raises(Refused, match="no place left"):
        run_async(on_a_thread(refuse))


def test_a_request_cancelled_meanwhile_waits_for_its_work_to_end() -> None:
    release = threading.Event()
    started = threading.Event()
    ended: list[str] = []

    def work() -> str:
        started.set()
        release.wait()
        ended.append("work")
        return "done"

    async def main() -> None:
        task = asyncio.create_task(on_a_thread(work))
        await asyncio.to_thread(started.wait, 10)  # a bound, so that a fault fails, not hangs
        assert started.is_set()
        task.cancel()
        for _ in range(20):
            await asyncio.sleep(0)
        task.cancel()  # a second cancellation is waited out too
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done()  # the work still holds its thread
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert ended == ["work"]

    run_async(main())


def test_calls_beyond_the_pools_threads_wait_their_turn() -> None:
    pool = ThreadPool(2)
    running = 0
    most = 0
    lock = threading.Lock()
    both_in = threading.Barrier(2, timeout=10)

    def work(number: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if number < 2:
            both_in.wait()  # the first two run at once, on the pool's two threads
        with lock:
            running -= 1
        return number

    async def main() -> list[int]:
        return list(await asyncio.gather(*(pool.call(work, n) for n in range(6))))

    assert run_async(main()) == [0, 1, 2, 3, 4, 5]
    assert most == 2
    assert pool.threads == 2


def test_an_idle_thread_takes_the_next_call() -> None:
    pool = ThreadPool(8)

    async def main() -> set[str]:
        return {await pool.call(lambda: threading.current_thread().name) for _ in range(10)}

    assert len(run_async(main())) == 1
    assert pool.threads == 1


def test_a_stop_iteration_from_the_work_comes_back_as_an_error() -> None:
    def exhausted() -> None:
        next(iter([]))

    with pytest.raises(RuntimeError) as raised:
        run_async(on_a_thread(exhausted))

    assert isinstance(raised.value.__cause__, StopIteration)


def test_a_request_cancelled_before_a_thread_took_it_is_never_run() -> None:
    pool = ThreadPool(1)
    release = threading.Event()
    busy = threading.Event()
    ran: list[str] = []

    def hold_the_only_thread() -> None:
        busy.set()
        release.wait(10)

    async def main() -> None:
        holding = asyncio.create_task(pool.call(hold_the_only_thread))
        await asyncio.to_thread(busy.wait, 10)
        waiting = asyncio.create_task(pool.call(ran.append, "booked for a client gone"))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(10):  # a fault fails the test rather than hang it
                await waiting  # at once: the thread is still held
        assert not release.is_set()
        release.set()
        await holding
        assert await pool.call(lambda: "next") == "next"  # the thread went on to the next

    run_async(main())
    assert ran == []


def test_the_ticket_pages_threads_leave_the_clerks_theirs() -> None:
    release = threading.Event()
    waiting = threading.Barrier(TICKET_PAGE_THREADS + 1, timeout=10)

    def read_page() -> str:
        waiting.wait()  # every page thread is taken, as when a line is worked out
        release.wait(10)
        return threading.current_thread().name

    async def main() -> tuple[str, list[str], bool]:
        pages = [asyncio.create_task(for_ticket_pages(read_page)) for _ in range(20)]
        await asyncio.to_thread(waiting.wait)
        # A clerk's call meanwhile finds a thread at once, while every page still waits.
        clerk = await on_a_thread(lambda: threading.current_thread().name)
        pages_wait = not any(page.done() for page in pages)
        for page in pages[TICKET_PAGE_THREADS:]:
            page.cancel()  # still waiting for a thread: dropped, never run
        await asyncio.gather(*pages[TICKET_PAGE_THREADS:], return_exceptions=True)
        release.set()
        names = await asyncio.gather(*pages[:TICKET_PAGE_THREADS])
        return clerk, names, pages_wait

    clerk, names, pages_wait = run_async(main())
    assert clerk.startswith("kezek-route-")
    assert all(name.startswith("kezek-page-") for name in names)
    assert len(set(names)) == TICKET_PAGE_THREADS
    assert pages_wait
