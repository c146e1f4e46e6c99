"""An event stream's start and first event go through every middleware; then the app
returns and the outermost middleware carries the stream on, until its events end, the
client leaves or the server stops, and the stream's clean-up runs each time. A server told
to stop ends its streams itself, each with its proper end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kezek.http import event_stream
from kezek.http.event_stream import DetachedStreams, EventStream, end_streams
from tests.server import run_async

EVENTS = [b"retry: 2000\n", b"event: board\ndata: 1\n\n", b"event: board\ndata: 2\n\n"]


class Marking:
    """A middleware that adds a header at the start and notes what passes through it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[object] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-marked", b"yes")]
            else:
                self.seen.append(message["body"])
            await send(message)

        await self.app(scope, receive, marked)
        self.seen.append("returned")


class Stream:
    """A stream's app, and what became of its events: ``hold`` keeps it open after them,
    ``then`` runs after the last one."""

    def __init__(self, *, hold: bool = False, then: Callable[[], None] = lambda: None) -> None:
        self.hold = hold
        self.then = then
        self.cleaned_up = False
        self.background_ran = False
        self.cleaned_up_before_background = False

    async def events(self) -> AsyncIterator[bytes]:
        try:
            for event in EVENTS:
                yield event
            self.then()
            await asyncio.sleep(0)  # whatever ``then`` woke runs first, in this same turn
            if self.hold:
                await asyncio.Event().wait()
        finally:
            self.cleaned_up = True

    def ran(self) -> None:  # a plain function: Starlette runs it in a thread
        self.background_ran = True
        self.cleaned_up_before_background = self.cleaned_up

    def done_with(self) -> bool:
        """Its clean-up ran, then its background task."""
        return self.cleaned_up and self.background_ran and self.cleaned_up_before_background

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = EventStream(self.events(), background=BackgroundTask(self.ran))
        await answer(scope, receive, send)


class Client:
    """The server's side of one GET: what it was sent, and a client that may leave."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.gone = asyncio.Event()
        self.requested = False

    async def receive(self) -> Message:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def bodies(self) -> list[bytes]:
        return [message["body"] for message in self.sent[1:]]


SCOPE: Scope = {"type": "http", "method": "GET", "asgi": {"spec_version": "2.3"}}


def test_a_started_stream_is_carried_on_past_the_middleware() -> None:
    stream, client = Stream(), Client()
    inner = Marking(stream)

    async def serve() -> set[asyncio.Task[object]]:
        before = asyncio.all_tasks()
        await DetachedStreams(inner)(dict(SCOPE), client.receive, client.send)
        await asyncio.sleep(0)  # a task cancelled ends at its next turn
        return asyncio.all_tasks() - before

    left_running = run_async(asyncio.wait_for(serve(), 5))

    start = client.sent[0]
    assert start["type"] == "http.response.start"
    assert (b"x-marked", b"yes") in start["headers"]
    assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
    assert client.bodies() == [*EVENTS, b""]
    assert [message["more_body"] for message in client.sent[1:]] == [True, True, True, False]
    # The middleware saw the first event, then the app returned; the rest went past it.
    assert inner.seen == [EVENTS[0], "returned"]
    assert left_running == set()  # nor is anything still listening for the client
    assert stream.done_with()


async def _served(stream: ASGIApp, client: Client) -> int:
    """Serves ``stream``; then how many cancellations its task still has to take."""
    await DetachedStreams(stream)(dict(SCOPE), client.receive, client.send)
    task = asyncio.current_task()
    assert task is not None
    return task.cancelling()


async def _held_open(stream: Stream, client: Client) -> asyncio.Task[int]:
    """The stream served, once all its events are out and it waits for more."""
    served = asyncio.create_task(_served(stream, client))
    while len(client.sent) < 1 + len(EVENTS):
        await asyncio.sleep(0.01)
    return served


def test_a_client_that_leaves_ends_the_stream_at_once() -> None:
    stream, client = Stream(hold=True), Client()

    async def serve() -> None:
        served = await _held_open(stream, client)
        client.gone.set()
        # It ends, without an error, and the task serving it is not left cancelled.
        assert await asyncio.wait_for(served, 5) == 0

    run_async(serve())
    assert client.bodies() == EVENTS
    assert stream.done_with()


def test_a_server_that_stops_cancels_the_stream() -> None:
    stream, client = Stream(hold=True), Client()

    async def serve() -> None:
        served = await _held_open(stream, client)
        served.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(served, 5)

    run_async(serve())
    assert stream.done_with()


def test_a_server_told_to_stop_ends_the_stream_properly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_stream, "_stopping", False)
    stream, client = Stream(hold=True), Client()

    async def serve() -> None:
        served = await _held_open(stream, client)
        end_streams()
        # It ends with its end, the client's cue to reconnect, and leaves no cancellation.
        assert await asyncio.wait_for(served, 5) == 0

    run_async(serve())
    assert client.bodies() == [*EVENTS, b""]
    assert client.sent[-1]["more_body"] is False
    assert stream.done_with()


def test_a_stream_handed_over_as_the_server_stops_ends_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(event_stream, "_stopping", False)
    end_streams()
    stream, client = Stream(hold=True), Client()

    assert run_async(asyncio.wait_for(_served(stream, client), 5)) == 0
    assert client.bodies() == [EVENTS[0], b""]
    assert stream.done_with()


def test_a_client_leaving_as_the_stream_ends_stops_nothing_more() -> None:
    client = Client()
    stream = Stream(then=client.gone.set)  # the client leaves just as the last event is out

    assert run_async(asyncio.wait_for(_served(stream, client), 5)) == 0
    assert client.bodies() == [*EVENTS, b""]
    assert stream.done_with()


def test_an_app_that_fails_after_the_handover_still_closes_the_stream() -> None:
    stream, client = Stream(hold=True), Client()

    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        await stream(scope, receive, send)
        raise RuntimeError("after the first event")

    with pytest.raises(RuntimeError):
        run_async(asyncio.wait_for(_served(failing, client), 5))
    assert client.bodies() == [EVENTS[0]]
    assert stream.done_with()


def test_without_the_outer_middleware_the_stream_is_served_whole() -> None:
    stream, client = Stream(), Client()
    inner = Marking(stream)
    run_async(asyncio.wait_for(inner(dict(SCOPE), client.receive, client.send), 5))

    assert client.bodies() == [*EVENTS, b""]
    assert inner.seen == [*EVENTS, b"", "returned"]
    assert stream.done_with()
