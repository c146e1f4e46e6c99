"""Server-Sent Events that leave the middleware behind once they have started.

A board stream lasts for hours, gets every change of its office, and a worker holds hundreds
of them. Served as any response is, a stream kept the request's whole chain alive all that
time: some 30 suspended coroutines and 180 objects (the middleware's, the router's, the
request's, a task group waiting for the client to leave). The garbage collector's full
passes walk every one of them, and a pass stops the whole worker: with 500 streams a pass
took 37 ms in a quiet worker and up to 130 ms in a busy one. Each event also went through
five wrappers of ``send`` (gzip, the security headers, the request id, the two exception
handlers'), all of which act on a response's start alone.

So an ``EventStream`` sends its start and first event through the whole chain, as any
response does: the access log, the request id and the headers see it as usual. It then hands
the rest to ``DetachedStreams``, the outermost middleware, and returns: the chain unwinds and
its objects go. ``DetachedStreams`` writes the later events on the ``send`` it was given,
and one small task waits for the client to leave, which ends the stream at once. A stream
now keeps about 70 objects alive, and with 500 streams a full pass takes 17 ms.

A stream never ends by itself, and a stopping server waits for every answer to end before
it exits: so ``end_streams`` ends those of the process, each with its proper end, as the
worker is told to stop (``end_streams_on_stop``). The boards reconnect by themselves, to
another worker or to the server once it is back.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from types import FrameType

from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
DETACHED = "kezek.detached_stream"
_END: Message = {"type": "http.response.body", "body": b"", "more_body": False}
# What ends each stream this process carries on now; and whether the process is stopping,
# when a stream handed over from now on ends at once.
_carried: dict[asyncio.Task[object], Callable[[], None]] = {}
_stopping = False


def end_streams() -> None:
    """Ends every stream this process carries on, and those it is about to (the server
    stopping). Call it on the event loop."""
    global _stopping
    _stopping = True
    for end in list(_carried.values()):
        end()


def end_streams_on_stop() -> None:
    """Ends the streams as soon as the server is told to stop, SIGTERM or SIGINT: its own
    handlers still run first. Call it from the worker's app factory, on the event loop."""
    if threading.current_thread() is not threading.main_thread():
        return  # signals reach the main thread alone
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # the app made outside a server (a test, a script): nothing stops
        return
    for number in (signal.SIGTERM, signal.SIGINT):
        servers = signal.getsignal(number)

        def told_to_stop(signum: int, frame: FrameType | None, servers: object = servers) -> None:
            if callable(servers):
                servers(signum, frame)
            loop.call_soon_threadsafe(end_streams)

        signal.signal(number, told_to_stop)


class _Handover:
    """Where an ``EventStream`` leaves itself for ``DetachedStreams`` to carry on."""

    __slots__ = ("stream",)

    def __init__(self) -> None:
        self.stream: EventStream | None = None


class DetachedStreams:
    """Carries on the event streams handed over to it once the app has returned. Add it
    as the outermost middleware: the ones it wraps see each stream's start and first event."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        handover = _Handover()
        # The app's own copy of the scope, where the router and FastAPI leave what they keep
        # for the request (its exit stacks, the route): it goes when the app returns.
        try:
            await self.app({**scope, DETACHED: handover}, receive, send)
        except BaseException:
            if handover.stream is not None:  # handed over, then the app failed after all
                await handover.stream.close()
            raise
        stream, handover.stream = handover.stream, None
        if stream is not None:
            await stream.carry_on(receive, send)


class EventStream(StreamingResponse):
    """A ``text/event-stream`` answer, handed over to ``DetachedStreams`` after its first
    event where there is one, and served whole as Starlette serves it where not.

    After the first event the request is over for the app: its ``yield`` dependencies have
    ended and its log lines carry no request id. Nor may a middleware it passes rewrite a
    body (``BaseHTTPMiddleware``, a gzip that does not leave ``text/event-stream`` alone):
    the later events never reach it."""

    media_type = "text/event-stream"
    _rest: AsyncIterator[str | bytes | memoryview] | None = None  # once handed over

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handover: _Handover | None = scope.get(DETACHED)
        if handover is None:
            await super().__call__(scope, receive, send)
            return
        events = aiter(self.body_iterator)
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        first = await anext(events, None)
        if first is None:
            await send(_END)
            await self.close()
            return
        await send(_body(first, self.charset))
        self._rest = events
        handover.stream = self

    async def carry_on(self, receive: Receive, send: Send) -> None:
        """The events after the first, until they end, the client leaves or the server stops."""
        events, serving = self._rest, asyncio.current_task()
        if events is None or serving is None:
            raise RuntimeError("carry_on is for a stream handed over, on the server's task")
        watching = asyncio.ensure_future(_until_left(receive))
        # ``stopped``: ended by ``end_streams``; from the start if the server already stops.
        left = ended = False
        stopped = _stopping

        def client_left(_: asyncio.Future[None]) -> None:
            nonlocal left
            if watching.cancelled():
                return
            failed = watching.exception()
            if failed is not None:  # a server's receive that broke: as good as gone
                log.warning("an event stream stopped listening to its client: %r", failed)
            if not ended and not stopped:  # else nothing is left to stop
                left = True
                serving.cancel()

        def server_stops() -> None:
            nonlocal stopped
            if not ended and not left and not stopped:
                stopped = True
                serving.cancel()

        watching.add_done_callback(client_left)
        _carried[serving] = server_stops
        try:
            if not stopped:
                async for chunk in events:
                    await send(_body(chunk, self.charset))
            await send(_END)
        except asyncio.CancelledError:
            # Cancelled because the client left, or by ``end_streams``: the stream ends
            # here, as it should. Any other cancellation (uvicorn giving up) goes on.
            if not (left or stopped) or serving.uncancel() > 0:
                raise
            if stopped:
                await send(_END)  # the client sees the stream end, and reconnects
        finally:
            ended = True  # a client leaving from now on cancels nothing
            _carried.pop(serving, None)
            watching.cancel()
            await self.close()

    async def close(self) -> None:
        """The stream's own clean-up now, not when the collector gets to it, then the
        answer's background task."""
        aclose = getattr(self._rest, "aclose", None)
        if aclose is not None:
            await aclose()
        if self.background is not None:
            await self.background()


def _body(chunk: str | bytes | memoryview, charset: str) -> Message:
    body = chunk.encode(charset) if isinstance(chunk, str) else chunk
    return {"type": "http.response.body", "body": body, "more_body": True}


async def _until_left(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
