"""Many boards on one server process: 200 streams and two changes a second leave ticket issue
and reads unblocked, every board sees the last change, and one stream past the cap is
refused."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import run_async, running_server, thread_server

STREAMS = 200
CHANGES = 10  # two a second for five seconds
# A loop blocked by the fan-out stalls the requests after every change for seconds, and
# so most of them: the median catches that. A loaded machine (the suite runs in several
# processes on two cores) stalls only some, and made a bound on the p99 (then of 40 reads,
# the slowest) fail now and then. The speed itself is measured in bench/.
MEDIAN_LIMIT_S = 1.0
STREAM = "/api/v1/offices/bsk/board/stream"


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


async def _watch(http: httpx.AsyncClient, last_seen: list[int], index: int) -> None:
    """Follow one board; remember how many wait in line on the latest snapshot."""
    async with http.stream("GET", STREAM) as events:
        async for line in events.aiter_lines():
            if line.startswith("data: "):
                last_seen[index] = sum(json.loads(line[6:])["waiting"].values())


async def _day(base: str, token: str) -> tuple[list[int], list[float], list[float]]:
    last_seen = [-1] * STREAMS
    issue_took: list[float] = []
    read_took: list[float] = []
    limits = httpx.Limits(max_connections=STREAMS + 10)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        boards = [asyncio.create_task(_watch(http, last_seen, n)) for n in range(STREAMS)]
        while min(last_seen) < 0:  # every board has its first snapshot
            await asyncio.sleep(0.1)
        staff = {"Authorization": f"Bearer {token}"}
        for _ in range(CHANGES):
            began = time.perf_counter()
            issued = await http.post(
                "/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=staff
            )
            issue_took.append(time.perf_counter() - began)
            assert issued.status_code == 201, issued.text
            for _ in range(2):
                began = time.perf_counter()
                await http.get("/api/v1/offices/bsk/availability", params={"service": "quick"})
                read_took.append(time.perf_counter() - began)
            await asyncio.sleep(0.5)
        deadline = time.monotonic() + 10
        while min(last_seen) < CHANGES and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for board in boards:
            board.cancel()
        await asyncio.gather(*boards, return_exceptions=True)
    return last_seen, issue_took, read_took


def test_two_hundred_boards_and_two_changes_a_second(
    server_env: dict[str, str],
    sessions: sessionmaker[Session],
    record_property: Callable[[str, object], None],
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])
    with running_server(env=server_env, workers=1) as base:
        token = httpx.post(
            f"{base}/api/v1/auth/token", json={"username": "door", "password": PASSWORD}
        ).json()["access_token"]
        last_seen, issue_took, read_took = run_async(_day(base, token))

    issue_median, read_median = statistics.median(issue_took), statistics.median(read_took)
    record_property(
        "figure",
        f"{STREAMS} boards, 2 changes/s: ticket issue median {issue_median * 1000:.0f} ms, "
        f"p99 {_p99(issue_took) * 1000:.0f} ms; reads median {read_median * 1000:.0f} ms, "
        f"p99 {_p99(read_took) * 1000:.0f} ms",
    )
    assert set(last_seen) == {CHANGES}  # every board shows the last ticket
    assert issue_median < MEDIAN_LIMIT_S, f"ticket issue median {issue_median:.3f} s"
    assert read_median < MEDIAN_LIMIT_S, f"reads median {read_median:.3f} s"


def test_one_stream_past_the_cap_is_refused_until_one_closes(server_env: dict[str, str]) -> None:
    async def streams(base: str) -> tuple[list[int], httpx.Response, int]:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            opened = [await http.send(http.build_request("GET", STREAM), stream=True)]
            opened += [await http.send(http.build_request("GET", STREAM), stream=True)]
            refused = await http.get(STREAM)
            statuses = [r.status_code for r in opened]
            await opened.pop().aclose()
            await asyncio.sleep(0.5)  # the server notices the stream has gone
            again = await http.send(http.build_request("GET", STREAM), stream=True)
            for answer in (*opened, again):
                await answer.aclose()
            return statuses, refused, again.status_code

    env = {**server_env, "KEZEK_BOARD_STREAMS_MAX": "2"}
    with thread_server(env=env) as base:
        opened, refused, again = run_async(streams(base))

    assert opened == [200, 200] and again == 200
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "too_many_boards"
    assert int(refused.headers["retry-after"]) > 0
