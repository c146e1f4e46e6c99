"""A ceiling on request bodies, checked before anything reads them.

A booking is a few hundred bytes; a body of megabytes is an attack or a mistake, and
reading it whole would cost memory in every worker. The ceiling is ``KEZEK_MAX_BODY_BYTES``
(64 KiB), and a network file upload may take up to 2 MB. A declared length over the
ceiling is refused at once; a body without one is read up to the ceiling first.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LARGE_UPLOADS = {"/admin/network": 2_000_000}


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LARGE_UPLOADS.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit, path=scope["path"])
            return
        if declared is not None or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)  # the server holds a body to its length
            return
        # No length given: read it here, up to the ceiling, then hand it on whole.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _refuse(send, limit, path=scope["path"])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)


def _replay(chunks: list[bytes], then: Message | None, receive: Receive) -> Receive:
    """A receive that gives the body read already in one message, then listens as before."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if then is not None:
                return then
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()  # a disconnect, when the client goes

    return replayed


async def _refuse(send: Send, limit: int, *, path: str) -> None:
    body = json.dumps(
        {
            "type": "urn:kezek:problem:body-too-large",
            "title": "The request is too large",
            "status": 413,
            "detail": f"Send at most {limit} bytes.",
            "instance": path,
            "code": "body_too_large",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
