"""A small JSON-over-HTTP server in a thread, the ground the HTTP fakes stand on."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the fake received it."""

    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else {}

    def form_or_json(self) -> dict[str, Any]:
        """The parameters, sent as JSON or as a form (the Bot API takes both) or in the query."""
        content_type = self.headers.get("content-type", "")
        query = dict(parse_qsl(urlsplit(self.path).query))
        if "json" in content_type:
            return {**query, **self.json()}
        return {**query, **dict(parse_qsl(self.body.decode()))}


# What a fake answers: the HTTP status and a JSON body.
Answer = tuple[int, Any]


class JsonServer:
    """Serve ``handle(request) -> (status, json)`` on 127.0.0.1 until ``stop()``.

    Requests are served in threads of their own, as a real provider serves many at once;
    a subclass guards what it records with ``self.lock``.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects of a real server
            # Headers and body go in two writes: without this, each answer waits for the
            # client's delayed acknowledgement (40 ms), and a few hundred messages crawl.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                status, payload = fake.handle(request)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # the names http.server calls

            def log_message(self, format: str, *args: Any) -> None:
                return None  # quiet: a test's output is for its failures

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, request: Request) -> Answer:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
