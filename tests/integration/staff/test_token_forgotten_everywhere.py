"""Each worker remembers the tokens it has seen; disabling a user or signing out stops the
token on every worker of ``kezek serve`` within a second."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kezek.admin.service import disable_member
from kezek.config import Settings
from kezek.db import is_postgresql, run_transaction
from kezek.queue.bus import BoardBus
from kezek.staff.models import Role
from kezek.staff.service import revoke_token
from kezek.types import utcnow
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import environment_for, running_server

ASKS = 30  # on fresh connections each, several at once, so that both workers answer some
WORKERS = 2  # running_server's


def _windows(base: str, token: str) -> list[int]:
    """The status of ``ASKS`` staff requests, each on a connection of its own."""
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    url = f"{base}/api/v1/offices/big/windows"
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = pool.map(lambda _: httpx.get(url, headers=headers).status_code, range(ASKS))
        return list(answers)


def _until_every_worker_remembers(
    base: str, token: str, *, rounds: int
) -> tuple[list[int], dict[str, float]]:
    """Staff requests, in up to ``rounds`` rounds, until each worker remembers the token.

    The server is up when one worker answers, and the other may still be starting, so a
    single round can land on one worker alone.
    """
    statuses: list[int] = []
    for _ in range(rounds):
        statuses += _windows(base, token)
        remembered = _remembered(base)
        if len(remembered) == WORKERS and all(remembered.values()):
            break
    return statuses, remembered


def _remembered(base: str) -> dict[str, float]:
    """Tokens remembered, per worker process."""
    text = httpx.get(f"{base}/metrics", headers={"Connection": "close"}).text
    found = re.findall(r'^kezek_staff_tokens_remembered\{pid="(\d+)"\} (\S+)$', text, re.M)
    return {pid: float(value) for pid, value in found}


def _sign_in(base: str, username: str) -> str:
    answer = httpx.post(
        f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def test_a_disabled_users_token_stops_on_every_worker_within_a_second(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    make_staff(sessions, "chief", Role.manager, ["big"])
    with running_server(env=environment_for(settings)) as base:
        token = _sign_in(base, "chief")
        # A SQLite server remembers no token (it reads every time), so one round is all.
        rounds = 10 if is_postgresql(settings.sqlalchemy_url) else 1
        before, remembered = _until_every_worker_remembers(base, token, rounds=rounds)

        disable_member(sessions, BoardBus(), username="chief", by="admin", now=utcnow())
        time.sleep(1.0)
        after = _windows(base, token)
        forgotten = _remembered(base)

    assert before == [200] * len(before)
    assert after == [401] * ASKS
    if is_postgresql(settings.sqlalchemy_url):
        # Both workers answered and remembered the token, and both forgot it.
        assert len(remembered) == WORKERS and all(value == 1 for value in remembered.values())
        assert set(forgotten) == set(remembered) and not any(forgotten.values())
    else:
        assert not any(remembered.values())  # a SQLite server reads every time


def test_signing_out_stops_the_token_on_every_worker_within_a_second(
    settings: Settings, sessions: sessionmaker[Session], network: None
) -> None:
    make_staff(sessions, "chief", Role.manager, ["big"])
    with running_server(env=environment_for(settings)) as base:
        token, other = _sign_in(base, "chief"), _sign_in(base, "chief")
        assert _windows(base, token) == [200] * ASKS

        run_transaction(sessions, lambda session: revoke_token(session, token=token))
        time.sleep(1.0)

        assert _windows(base, token) == [401] * ASKS
        assert _windows(base, other) == [200] * ASKS  # the same user's other sign-in stays
