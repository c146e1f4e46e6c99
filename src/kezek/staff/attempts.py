"""Counting wrong passwords, so that guessing is slow and locking others out is not possible.

Each sign-in attempt is written down *before* its password is checked, and then marked a
failure, or deleted when the password proves right. So attempts running at once see each
other: of 32 wrong passwords sent together from one address, the 21st and later are refused
without a check. The count and the write are one transaction, and on PostgreSQL they hold
an advisory lock on the address; SQLite's transactions are serialized anyway.

- **Per address**: twenty wrong passwords from one address within 15 minutes refuse that
  address for every username, which slows guessing across many accounts. While attempts
  still being checked fill the rest of the twenty, one more is asked to try again in two
  seconds: an office of thirty clerks signing in at nine waits a moment, it is not locked.
- **Per account and address**: five wrong passwords for one username from one address lock
  that pair for 15 minutes. A lock on the account alone would let anyone lock any account
  out from five addresses; this way the account's owner, at their own desk, still signs in.
- **Unknown usernames** are counted, locked and timed exactly like known ones, so that the
  answers do not tell which usernames exist.

Usernames and addresses are kept only as keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, text, update
from sqlalchemy.orm import Session

from kezek.db import is_postgresql
from kezek.errors import Problem
from kezek.staff.members import Unauthorized
from kezek.staff.models import ApiToken, SignInFailure, StaffUser
from kezek.staff.passwords import Checked, stand_in_hash

MAX_FAILURES = 5  # wrong passwords for one username from one address…
LOCK_TIME = timedelta(minutes=15)  # …lock that pair for this long
ADDRESS_LIMIT = 20  # wrong passwords from one address within ADDRESS_WINDOW, any username
ADDRESS_WINDOW = timedelta(minutes=15)
FAILURES_KEPT = max(LOCK_TIME, ADDRESS_WINDOW)  # older failures can no longer lock anything
AT_ONCE_RETRY_SECONDS = 2
TOKEN_LIFETIME = timedelta(hours=12)  # one working day and a bit
# New usernames: Latin letters only, as a Cyrillic "а" in "аibek" would pass for "aibek" in
# the audit log. Accounts made before that rule keep signing in with theirs.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
STORED_USERNAME = re.compile(r"[^\x00-\x1f\x7f]{1,64}")


_ADDRESS_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


class TooManySignIns(Problem):
    status = 429
    code = "too_many_sign_ins"
    title = "Too many wrong passwords"


@dataclass(frozen=True)
class Attempt:
    failure_id: int  # the failure written down for this attempt, until the password is right
    account_hash: str
    address_hash: str
    user_id: int | None
    password_hash: str  # the account's, or a stand-in as slow to check for an unknown one


def keyed(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}/{value}".encode(), hashlib.sha256).hexdigest()


def begin(
    session: Session,
    *,
    username: str,
    account_hash: str,
    address_hash: str,
    now: datetime,
    address_limited: bool = True,
) -> Attempt | TooManySignIns:
    """Refuse a locked address or pair; else write the attempt down, as being checked.

    ``address_limited`` is False for an office's own network (many clerks behind one
    address): there only the pair locks, so that a guest's guesses lock out no clerk."""
    if is_postgresql(session):
        session.execute(_ADDRESS_LOCK, {"key": _lock_key(address_hash)})
    from_address = SignInFailure.address_hash == address_hash
    for_pair = from_address & (SignInFailure.account_hash == account_hash)
    limits: list[tuple[ColumnElement[bool], int, timedelta]] = [(for_pair, MAX_FAILURES, LOCK_TIME)]
    if address_limited:
        limits.insert(0, (from_address, ADDRESS_LIMIT, ADDRESS_WINDOW))
    for which, most, window in limits:
        wrong = _recent(session, which & SignInFailure.checked, most, window, now)
        if len(wrong) >= most:
            return _locked(wrong[-1] + window, now)
        if len(_recent(session, which, most, window, now)) >= most:
            # Attempts still being checked fill what is left: this one waits their outcome,
            # so that guesses sent all at once get no more than those sent one by one.
            return _at_once()
    attempt = SignInFailure(
        address_hash=address_hash, account_hash=account_hash, at=now, checked=False
    )
    session.add(attempt)
    # A name no account can have (a NUL byte, a control character, too long) is looked up
    # by nobody, and counted and checked all the same.
    user = (
        session.scalar(select(StaffUser).where(StaffUser.username == username))
        if STORED_USERNAME.fullmatch(username)
        else None
    )
    session.flush()
    return Attempt(
        failure_id=attempt.id,
        account_hash=account_hash,
        address_hash=address_hash,
        user_id=user.id if user is not None and user.active else None,
        password_hash=user.password_hash if user is not None else stand_in_hash(),
    )


def finish(session: Session, attempt: Attempt, checked: Checked, *, now: datetime) -> str | Problem:
    """A new token for a right password of an active account; else the failure stays."""
    user = session.get(StaffUser, attempt.user_id) if attempt.user_id is not None else None
    if not checked.right or user is None or not user.active:
        session.execute(
            update(SignInFailure).where(SignInFailure.id == attempt.failure_id).values(checked=True)
        )
        return Unauthorized("Wrong username or password.")
    # Right: this pair's wrong passwords no longer count, this attempt's included.
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.account_hash == attempt.account_hash,
            SignInFailure.address_hash == attempt.address_hash,
        )
    )
    if checked.new_hash is not None:
        user.password_hash = checked.new_hash
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            staff_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    session.flush()
    return token


def abandon(session: Session, attempt: Attempt) -> None:
    """The password was never checked (the server was busy): the attempt does not count."""
    session.execute(delete(SignInFailure).where(SignInFailure.id == attempt.failure_id))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent(
    session: Session, which: ColumnElement[bool], limit: int, within: timedelta, now: datetime
) -> list[datetime]:
    """The times of the latest ``limit`` attempts matching ``which`` ``within`` the time
    before ``now``, newest first."""
    query = (
        select(SignInFailure.at)
        .where(which, SignInFailure.at > now - within)
        .order_by(SignInFailure.at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _locked(until: datetime, now: datetime) -> TooManySignIns:
    seconds = max(1, int((until - now).total_seconds()))
    problem = TooManySignIns(
        "Too many wrong passwords. Wait 15 minutes and try again.",
        retry_after_seconds=seconds,
    )
    problem.headers = {"Retry-After": str(seconds)}
    return problem


def _at_once() -> TooManySignIns:
    problem = TooManySignIns(
        "Many sign-ins from this address are being checked. Try again in a few seconds.",
        retry_after_seconds=AT_ONCE_RETRY_SECONDS,
        at_once=True,
    )
    problem.headers = {"Retry-After": str(AT_ONCE_RETRY_SECONDS)}
    return problem


def _lock_key(address_hash: str) -> int:
    """A signed 64-bit advisory-lock key, kept apart from the bookings' by its prefix."""
    digest = hashlib.blake2b(f"kezek-sign-in:{address_hash}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
