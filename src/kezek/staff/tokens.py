"""Who holds a token, remembered by each worker while the database can tell it of changes.

Every staff request shows its token; reading the member of staff for it is a transaction of
its own, as often as the clerks call, start and finish. A worker remembers each token's
member of staff instead, while it listens to the database: signing out and disabling a
user send ``NOTIFY`` (``staff_changed``) in the transaction that makes the change, and every
worker forgets what it remembered as soon as it hears it. A worker that is not listening,
or has lost the database, remembers nothing and reads every time, as does a SQLite server
(a command on the same file cannot reach the server's process). An expired token is
refused by its own time, remembered or not; ``max_age`` bounds how long a change made
behind the application's back (by hand in the database) can go unnoticed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from kezek.db import is_postgresql
from kezek.metrics import TOKENS_REMEMBERED
from kezek.staff.members import Staff, Unauthorized

CHANNEL = "kezek_staff"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', '')")


def staff_changed(session: Session) -> None:
    """Tell every worker, once ``session`` commits, to forget the tokens it remembers."""
    if is_postgresql(session):
        session.execute(_NOTIFY)


class KnownTokens:
    """This worker's tokens, by their hash: the member of staff and when the token expires."""

    def __init__(self, *, max_age: float = 300.0) -> None:
        self._max_age = max_age
        self._kept: dict[str, tuple[Staff, datetime, float]] = {}
        self._listening = False
        self._generation = 0  # grows at every change heard: a read from before is not kept
        self._guard = threading.Lock()

    def staff(
        self, token_hash: str, *, now: datetime, read: Callable[[], tuple[Staff, datetime]]
    ) -> Staff:
        """The member of staff holding the token; ``read`` asks the database when needed."""
        found = self.remembered(token_hash, now=now)
        if found is not None:
            return found
        generation = self._generation
        staff, expires_at = read()
        with self._guard:
            if self._listening and generation == self._generation:
                if len(self._kept) > 10_000:  # a flood of sign-ins: start again
                    self._kept.clear()
                self._kept[token_hash] = (staff, expires_at, time.monotonic())
                TOKENS_REMEMBERED.set(len(self._kept))
        return _unexpired(staff, expires_at, now)

    def remembered(self, token_hash: str, *, now: datetime) -> Staff | None:
        """The member of staff, if this worker remembers the token; reads nothing."""
        kept = self._kept.get(token_hash)
        if kept is None or time.monotonic() - kept[2] >= self._max_age:
            return None
        staff, expires_at, _ = kept
        return _unexpired(staff, expires_at, now)

    def listening(self) -> None:
        """The worker hears the database's notices from now on (and missed any before)."""
        self._forget(listening=True)

    def deaf(self) -> None:
        """The worker lost the database's notices: it remembers nothing until it hears again."""
        self._forget(listening=False)

    def changed(self) -> None:
        """A user was disabled or a token revoked somewhere: forget every token."""
        self._forget()

    def _forget(self, *, listening: bool | None = None) -> None:
        """Forget every token; ``listening`` says whether notices reach the worker now (None:
        as before)."""
        with self._guard:
            self._generation += 1
            self._kept.clear()
            TOKENS_REMEMBERED.set(0)
            if listening is not None:
                self._listening = listening


def _unexpired(staff: Staff, expires_at: datetime, now: datetime) -> Staff:
    if expires_at <= now:
        raise Unauthorized("The token has expired. Sign in again.")
    return staff
