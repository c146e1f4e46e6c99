"""16 windows press "next" at once through ``kezek serve`` with two workers: no ticket twice."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.factories import NETWORK_TOML
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import environment_for, running_server

WINDOWS = 16
WAITING = 10


def _sixteen_windows(sessions: sessionmaker[Session]) -> None:
    extra = "".join(
        f'\n[[offices.windows]]\ncode = "{n}"\nservices = ["quick"]\n'
        for n in range(6, WINDOWS + 1)
    )
    # The office "big" comes before "mix" in the file; its windows end at window 5.
    big_end = NETWORK_TOML.index("# Two pools can serve")
    spec = parse_network(NETWORK_TOML[:big_end] + extra + NETWORK_TOML[big_end:], source="t")
    run_transaction(sessions, lambda session: load_network(session, spec))


def test_sixteen_windows_over_http_never_share_a_ticket(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    _sixteen_windows(sessions)
    make_staff(sessions, "chief", Role.admin, [])
    for _ in range(WAITING):
        walk_in(sessions, now=utcnow(), office="big")
    barrier = threading.Barrier(WINDOWS)

    def press_next(window: int) -> tuple[int, str | None]:
        with httpx.Client(base_url=base, timeout=30) as http:
            url = f"/api/v1/offices/big/windows/{window}"
            opened = http.post(f"{url}/open", json={}, headers=headers)
            assert opened.status_code == 200, opened.text
            barrier.wait(timeout=60)
            called = http.post(f"{url}/call-next", headers=headers)
        return called.status_code, called.json()["code"] if called.status_code == 200 else None

    with (
        running_server(env=environment_for(settings)) as base,
        ThreadPoolExecutor(max_workers=WINDOWS) as pool,
    ):
        # One sign-in for all sixteen windows: what races here is the calling.
        token = httpx.post(
            f"{base}/api/v1/auth/token", json={"username": "chief", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        outcomes = list(pool.map(press_next, range(1, WINDOWS + 1)))

    codes = [code for status, code in outcomes if code is not None]
    assert Counter(status for status, _ in outcomes) == {200: WAITING, 204: WINDOWS - WAITING}
    assert len(set(codes)) == WAITING
