"""A server told to stop ends its board streams at once, each with its proper end, rather
than wait for them: a restart with boards on the walls does not hang."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kezek.cli.serve import GRACEFUL_STOP_SECONDS
from kezek.config import Settings
from tests.server import environment_for, server_process

BOARDS = 4
# Well under the time uvicorn gives the requests under way before it cancels them: a
# server that waited for the streams would only exit then, and cut them off.
STOPS_WITHIN_SECONDS = GRACEFUL_STOP_SECONDS / 2


def test_a_stopping_server_ends_every_board_stream(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    started = threading.Barrier(BOARDS + 1, timeout=30)
    ended: list[str] = []
    failed: list[BaseException] = []

    def watch() -> None:
        try:
            with (
                httpx.Client(base_url=base, timeout=30) as http,
                http.stream("GET", "/api/v1/offices/bsk/board/stream") as response,
            ):
                lines = response.iter_lines()
                for line in lines:
                    if line.startswith("data:"):
                        break  # the first snapshot: the stream is open
                started.wait()
                for _ in lines:
                    pass  # until the server ends the stream
                ended.append("ended")
        except BaseException as exc:  # an incomplete body: cut off, not ended
            failed.append(exc)
            started.abort()

    with server_process(env=environment_for(settings), workers=2) as (base, process):
        boards = [threading.Thread(target=watch) for _ in range(BOARDS)]
        for board in boards:
            board.start()
        started.wait()
        process.terminate()
        exit_code = process.wait(timeout=STOPS_WITHIN_SECONDS)
        for board in boards:
            board.join(timeout=STOPS_WITHIN_SECONDS)

    assert failed == []
    assert ended == ["ended"] * BOARDS
    assert exit_code == 0
