"""A sign-in that waits longer than its limit for a turn to check its password is told to try
again (503 with Retry-After); the checks under way go on, and the next sign-in gets the slot
they free."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kezek.staff import passwords
from kezek.staff.passwords import PasswordChecks, SignInBusy, hash_password
from tests.server import run_async


def test_a_sign_in_that_waits_past_its_limit_is_told_to_try_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_check = passwords._check
    let_go = threading.Event()

    def held_check(password_hash: str, password: str) -> passwords.Checked:
        let_go.wait(timeout=30)
        return real_check(password_hash, password)

    monkeypatch.setattr(passwords, "_check", held_check)
    checks = PasswordChecks(concurrency=1, wait_seconds=0.05)
    stored = hash_password("right")

    async def storm() -> tuple[passwords.Checked, SignInBusy, passwords.Checked]:
        first = asyncio.create_task(checks.check(stored, "right"))
        await asyncio.sleep(0)  # the first takes the only slot
        with pytest.raises(SignInBusy) as refused:
            await checks.check(stored, "right")
        let_go.set()
        return await first, refused.value, await checks.check(stored, "wrong")

    first, busy, after = run_async(storm())

    assert first.right is True
    assert busy.status == 503 and busy.code == "sign_in_busy"
    assert busy.headers == {"Retry-After": str(passwords.BUSY_RETRY_SECONDS)}
    assert after.right is False
