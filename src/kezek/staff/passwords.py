"""Checking passwords without letting the checks use up the server.

argon2id is made to be costly: each check takes 64 MiB and about a tenth of a second of
CPU. Thirty people (or one attacker) signing in at once would take two gigabytes. So a
server process checks at most ``KEZEK_SIGN_IN_CONCURRENCY`` passwords at a time (two); the
others wait their turn in the event loop, holding no thread, for up to
``KEZEK_SIGN_IN_WAIT_SECONDS``, and are then told to try again (503, Retry-After). The check
itself runs in a thread, outside any database transaction.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kezek.errors import Problem

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    """A new hash of ``password``, with the hasher's parameters."""
    return HASHER.hash(password)


@functools.cache
def stand_in_hash() -> str:
    """Checked against when the username is unknown, so that both failures take as long.
    Made at the first such sign-in, with the hasher's parameters: made on import, it cost
    every worker and every command a tenth of a second of CPU and 64 MiB as it started."""
    return HASHER.hash("not a password of anyone")


BUSY_RETRY_SECONDS = 5


class SignInBusy(Problem):
    status = 503
    code = "sign_in_busy"
    title = "Too many sign-ins at once"


@dataclass(frozen=True)
class Checked:
    right: bool
    # The password hashed again, when the hash was made with older parameters.
    new_hash: str | None = None


class PasswordChecks:
    """At most ``concurrency`` checks at once in this process, the rest waiting in turn."""

    def __init__(self, *, concurrency: int, wait_seconds: float) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        # One semaphore per event loop: a server process has one, a test suite many.
        self._slots: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary()
        )

    async def check(self, password_hash: str, password: str) -> Checked:
        loop = asyncio.get_running_loop()
        slots = self._slots.setdefault(loop, asyncio.Semaphore(self.concurrency))
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            busy = SignInBusy(
                "Many people are signing in at this moment. Try again in a few seconds.",
                retry_after_seconds=BUSY_RETRY_SECONDS,
            )
            busy.headers = {"Retry-After": str(BUSY_RETRY_SECONDS)}
            raise busy from None
        try:
            return await asyncio.to_thread(_check, password_hash, password)
        finally:
            slots.release()


def _check(password_hash: str, password: str) -> Checked:
    try:
        HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return Checked(right=False)
    if HASHER.check_needs_rehash(password_hash):
        return Checked(right=True, new_hash=HASHER.hash(password))
    return Checked(right=True)
