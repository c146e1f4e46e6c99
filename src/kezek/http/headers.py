"""The headers every answer carries, whatever made it: a page, the API, an error, a redirect.

- The security headers: a Content Security Policy that allows scripts and styles from this
  site only (no inline script), no framing, no sniffing, a same-origin referrer.
- ``Cache-Control: no-store`` on everything but the static files: pages and answers hold a
  booking's holder, a ticket, staff data, or a form's CSRF token, and a shared computer's
  browser or a proxy must not keep them. A route that sets its own (the board's event
  stream) keeps it.
- In production, ``Strict-Transport-Security``: the site is reached over HTTPS only.

A route may still set a header itself; this middleware adds only what is missing.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STATIC_PREFIX = "/static/"


class HeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 0) -> None:
        self.app = app
        self.always = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        if hsts_seconds:
            self.always.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = list(self.always)
        if not scope["path"].startswith(STATIC_PREFIX):
            wanted.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in wanted if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
