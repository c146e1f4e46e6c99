"""Adding staff, signing in, and checking which offices a user may act for."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from kezek.db import run_transaction
from kezek.errors import Conflict, Invalid, NotFound, Problem
from kezek.network.models import Office
from kezek.staff.members import Staff, Unauthorized
from kezek.staff.models import ApiToken, Role, SignInFailure, StaffUser, staff_office

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
TOKEN_LIFETIME = timedelta(hours=12)  # one working day and a bit
MIN_PASSWORD = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Verified against when the username is unknown, so that both failures take as long.
_DUMMY_HASH = HASHER.hash("not a password of anyone")


def add_staff(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str,
    office_codes: list[str],
) -> StaffUser:
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise Invalid(
            "A username has 2 to 64 Latin letters, digits, dots, hyphens or underscores.",
            field="username",
        )
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            f"The password is too short; use at least {MIN_PASSWORD} characters.",
            field="password",
        )
    if role is not Role.admin and not office_codes:
        raise Invalid("A manager or clerk needs at least one office.", field="office")
    offices = list(session.scalars(select(Office).where(Office.code.in_(office_codes))))
    unknown = sorted(set(office_codes) - {office.code for office in offices})
    if unknown:
        raise NotFound(f"Unknown office: {', '.join(unknown)}.", field="office")
    user = StaffUser(
        username=username,
        full_name=full_name.strip(),
        role=role,
        password_hash=HASHER.hash(password),
        offices=offices,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"The username '{username}' is taken.", field="username") from None
    return user


def list_staff(session: Session) -> list[StaffUser]:
    query = select(StaffUser).options(selectinload(StaffUser.offices)).order_by(StaffUser.username)
    return list(session.scalars(query))


def disable_staff(session: Session, *, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.lower()))
    if user is None:
        raise NotFound(f"There is no staff user '{username}'.", field="username")
    user.active = False
    # Signing out everywhere: a disabled user's tokens stop working at once.
    for token in session.scalars(select(ApiToken).where(ApiToken.staff_id == user.id)):
        session.delete(token)
    session.flush()
    return user


class TooManySignIns(Problem):
    status = 429
    code = "too_many_sign_ins"
    title = "Too many wrong passwords"


MAX_FAILURES = 5  # wrong passwords in a row before the account is locked…
LOCK_TIME = timedelta(minutes=15)  # …for this long
ADDRESS_LIMIT = 20  # wrong passwords from one address within ADDRESS_WINDOW
ADDRESS_WINDOW = timedelta(minutes=15)


def sign_in(
    sessions: sessionmaker[Session],
    *,
    username: str,
    password: str,
    address: str,
    now: datetime,
    secret: bytes,
) -> str:
    """A new bearer token, or the reason why not.

    A wrong password is counted before the refusal is raised, in its own transaction, so
    the refusal cannot undo it. Five in a row lock the account for 15 minutes; twenty from
    one address within 15 minutes refuse that address, whatever the username, so
    guessing across many accounts is slowed too.
    """
    outcome = run_transaction(
        sessions,
        lambda session: _attempt(
            session,
            username=username,
            password=password,
            address_hash=_address_hash(address, secret),
            now=now,
        ),
    )
    if isinstance(outcome, Problem):
        raise outcome
    return outcome


def _attempt(
    session: Session, *, username: str, password: str, address_hash: str, now: datetime
) -> str | Problem:
    recent = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.address_hash == address_hash, SignInFailure.at > now - ADDRESS_WINDOW)
    )
    if recent is not None and recent >= ADDRESS_LIMIT:
        return _locked(now + ADDRESS_WINDOW, now)
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == username.strip().lower()).with_for_update()
    )
    if user is not None and user.locked_until is not None and user.locked_until > now:
        return _locked(user.locked_until, now)
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        session.add(SignInFailure(address_hash=address_hash, at=now))
        if user is not None:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= MAX_FAILURES:
                user.failed_sign_ins = 0
                user.locked_until = now + LOCK_TIME
        session.flush()
        return Unauthorized("Wrong username or password.")
    if user is None or not user.active:
        return Unauthorized("Wrong username or password.")
    user.failed_sign_ins = 0
    user.locked_until = None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            staff_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    session.flush()
    return token


def _locked(until: datetime, now: datetime) -> TooManySignIns:
    seconds = max(1, int((until - now).total_seconds()))
    problem = TooManySignIns(
        "Too many wrong passwords. Wait 15 minutes, or ask an administrator.",
        retry_after_seconds=seconds,
    )
    problem.headers = {"Retry-After": str(seconds)}
    return problem


def _address_hash(address: str, secret: bytes) -> str:
    # Keyed, so that the table does not keep people's addresses.
    return hmac.new(secret, f"sign-in/{address}".encode(), hashlib.sha256).hexdigest()


def revoke_token(session: Session, *, token: str) -> None:
    """Signing out: the token stops working at once."""
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if found is not None:
        session.delete(found)
        session.flush()


# One statement, built once, with a row per office (or one with none): it runs before every
# staff request.
_STAFF_FOR_TOKEN = (
    select(
        ApiToken.expires_at,
        StaffUser.id,
        StaffUser.username,
        StaffUser.role,
        StaffUser.active,
        Office.code,
    )
    .join(StaffUser, StaffUser.id == ApiToken.staff_id)
    .outerjoin(staff_office, staff_office.c.staff_id == StaffUser.id)
    .outerjoin(Office, Office.id == staff_office.c.office_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def staff_for_token(session: Session, *, token: str, now: datetime) -> Staff:
    rows = session.execute(_STAFF_FOR_TOKEN, {"token_hash": _token_hash(token)}).all()
    if not rows:
        raise Unauthorized("The token is not valid. Sign in again.")
    expires_at, staff_id, username, role, active, _ = rows[0]
    if expires_at <= now or not active:
        raise Unauthorized("The token has expired. Sign in again.")
    return Staff(
        id=staff_id,
        username=username,
        role=Role(role),
        office_codes=frozenset(code for *_, code in rows if code is not None),
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
