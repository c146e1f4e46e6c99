"""The busiest routes' blocking work, on a thread, with one hop there and one back.

A route that waits on the database runs that work on a thread, so that the worker's event
loop goes on serving the others. FastAPI does this for a plain ``def`` route through AnyIO:
a capacity limiter, a cancel scope and a worker handshake on every call. Counted with
callgrind over a booking's whole path through the app, that machinery was a tenth of the
booking's instructions. Here a call is one put on a queue that idle threads wait on, and
one ``call_soon_threadsafe`` with the result: a booking costs 6% fewer instructions.

The pool keeps at most ``MAX_THREADS`` threads per process (AnyIO's default too), started
as calls find none idle; calls beyond them wait their turn. A request cancelled while its
work runs (the client went away) waits for that work to end, as AnyIO's hop does, so that
nothing the work uses is torn down under it; cancelled while still waiting for a thread,
its work is dropped and never runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
MAX_THREADS = 40


@dataclass(slots=True)
class _Call(Generic[T]):
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    context: contextvars.Context
    function: Callable[..., T]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    # Under the pool's lock: a thread has taken the call; or its request, cancelled before
    # that, dropped it, and no thread will run it.
    started: bool = False
    dropped: bool = False
    finished: bool = False
    # Set when the request was cancelled while the work ran: the request waits on it.
    ended: asyncio.Future[None] | None = None

    def work(self) -> tuple[T | None, BaseException | None]:  # on the pool's thread
        try:
            return self.context.run(self.function, *self.args, **self.kwargs), None
        except StopIteration as exc:
            # A future cannot hold StopIteration; as AnyIO does, it goes as a RuntimeError.
            error = RuntimeError("the work raised StopIteration")
            error.__cause__ = exc
            return None, error
        except BaseException as exc:  # handed to the route, which raises it as its own
            return None, exc

    def answer(self, result: T | None, error: BaseException | None) -> None:
        # A loop closed meanwhile (the worker stopping) has nobody left to answer.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._settle, result, error)

    def _settle(self, result: T | None, error: BaseException | None) -> None:  # on the loop
        self.finished = True
        try:
            if not self.future.done():
                if error is not None:
                    self.future.set_exception(error)
                else:
                    self.future.set_result(result)  # type: ignore[arg-type]
        finally:
            if self.ended is not None and not self.ended.done():
                self.ended.set_result(None)


class ThreadPool:
    def __init__(self, size: int, name: str = "kezek-route") -> None:
        self.size = size
        self.name = name
        self.calls: queue.SimpleQueue[_Call[Any]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.threads = 0
        self.idle = 0

    async def call(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(*args, **kwargs)`` on one of the pool's threads, in this context."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        call = _Call(loop, future, contextvars.copy_context(), function, args, kwargs)
        self._submit(call)
        try:
            return await future
        except asyncio.CancelledError:
            with self.lock:
                call.dropped = not call.started  # still waiting for a thread: never run
            if not call.dropped and not call.finished:
                await _until_ended(call, loop)
            raise

    def _submit(self, call: _Call[Any]) -> None:
        with self.lock:
            if self.idle:
                self.idle -= 1  # that thread takes this call
            elif self.threads < self.size:
                self.threads += 1
                name = f"{self.name}-{self.threads}"
                threading.Thread(target=self._serve, name=name, daemon=True).start()
        self.calls.put(call)

    def _serve(self) -> None:
        while True:
            call = self.calls.get()
            with self.lock:
                call.started = not call.dropped
            outcome = call.work() if call.started else None
            with self.lock:
                # Idle before the answer goes: the call the answer lets in finds this thread.
                self.idle += 1
            if outcome is not None:
                call.answer(*outcome)
            del call, outcome  # an idle thread keeps nothing of its last call


async def _until_ended(call: _Call[Any], loop: asyncio.AbstractEventLoop) -> None:
    """Wait for the thread's work to end, whatever cancels this meanwhile."""
    ended = call.ended = loop.create_future()
    while not ended.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({ended})


on_a_thread = ThreadPool(MAX_THREADS).call

# The ticket pages' reads that need the database have their own few threads. A reader of a
# line being worked out waits for that work: as the windows opened with 5,000 phones, each
# worker's first work of the line had more readers waiting than ``on_a_thread`` has
# threads, and the clerks' call-next waited behind them for one. Beyond these few, readers
# wait on the event loop, holding neither a thread nor a database connection.
TICKET_PAGE_THREADS = 8
for_ticket_pages = ThreadPool(TICKET_PAGE_THREADS, name="kezek-page").call
