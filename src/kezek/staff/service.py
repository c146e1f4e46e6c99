"""Adding staff, signing in, and checking which offices a user may act for."""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial
from ipaddress import ip_address
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from kezek.config import networks
from kezek.db import read_session, run_transaction
from kezek.errors import Conflict, Invalid, NotFound, Problem
from kezek.network.models import Office
from kezek.staff import attempts
from kezek.staff.attempts import USERNAME, token_hash
from kezek.staff.members import Staff, Unauthorized
from kezek.staff.models import ApiToken, Role, StaffUser, staff_office
from kezek.staff.passwords import SignInBusy, hash_password
from kezek.staff.tokens import staff_changed

if TYPE_CHECKING:
    from kezek.context import AppContext

MIN_PASSWORD = 10


def new_staff_problems(
    *, username: str, password: str, role: Role | None, office_codes: list[str]
) -> list[Invalid]:
    """Every rule a new member of staff breaks, so that a form can name them all at once."""
    found = []
    if not USERNAME.fullmatch(username.strip().lower()):
        found.append(
            Invalid(
                "A username has 2 to 64 Latin letters, digits, dots, hyphens or underscores.",
                field="username",
            )
        )
    if len(password) < MIN_PASSWORD:
        found.append(
            Invalid(
                f"The password is too short; use at least {MIN_PASSWORD} characters.",
                field="password",
            )
        )
    if role is not None and role is not Role.admin and not office_codes:
        found.append(Invalid("A manager or clerk needs at least one office.", field="office"))
    return found


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
    broken = new_staff_problems(
        username=username, password=password, role=role, office_codes=office_codes
    )
    if broken:
        raise broken[0]
    offices = list(session.scalars(select(Office).where(Office.code.in_(office_codes))))
    unknown = sorted(set(office_codes) - {office.code for office in offices})
    if unknown:
        raise NotFound(f"Unknown office: {', '.join(unknown)}.", field="office")
    user = StaffUser(
        username=username,
        full_name=full_name.strip(),
        role=role,
        password_hash=hash_password(password),
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
    # Signing out everywhere: a disabled user's tokens stop working at once, on every worker.
    for token in session.scalars(select(ApiToken).where(ApiToken.staff_id == user.id)):
        session.delete(token)
    session.flush()
    staff_changed(session)
    return user


async def sign_in(context: AppContext, *, username: str, password: str, address: str) -> str:
    """A new bearer token, or the reason why not (``kezek.staff.attempts`` says how
    guessing is counted). The password is checked between two short transactions, never
    inside one, and at most a few at a time per process (``kezek.staff.passwords``)."""
    now = context.clock()
    name = username.strip().lower()
    attempt = await asyncio.to_thread(
        run_transaction,
        context.sessions,
        partial(
            attempts.begin,
            username=name,
            account_hash=attempts.keyed(context.secret, "sign-in-account", name),
            address_hash=attempts.keyed(context.secret, "sign-in", address),
            now=now,
            address_limited=not _in_an_office(context, address),
        ),
    )
    if isinstance(attempt, Problem):
        raise attempt
    try:
        checked = await context.passwords.check(attempt.password_hash, password)
    except SignInBusy:
        await asyncio.to_thread(
            run_transaction, context.sessions, partial(attempts.abandon, attempt=attempt)
        )
        raise
    outcome = await asyncio.to_thread(
        run_transaction,
        context.sessions,
        partial(attempts.finish, attempt=attempt, checked=checked, now=now),
    )
    if isinstance(outcome, Problem):
        raise outcome
    return outcome


def revoke_token(session: Session, *, token: str) -> None:
    """Signing out: the token stops working at once."""
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if found is not None:
        session.delete(found)
        session.flush()
        staff_changed(session)


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


def staff_for_token(context: AppContext, *, token: str) -> Staff:
    """The member of staff signed in with ``token``; Unauthorized for a token not valid.

    Remembered by this worker until a user is disabled or signs out (``kezek.staff.tokens``).
    """
    hashed = token_hash(token)

    def read() -> tuple[Staff, datetime]:
        with read_session(context.sessions) as session:
            return token_holder(session, token_hash=hashed)

    return context.tokens.staff(hashed, now=context.clock(), read=read)


def remembered_staff(context: AppContext, *, token: str) -> Staff | None:
    """The member of staff for ``token`` if this worker remembers it, reading nothing: the
    answer the event loop can give without a thread."""
    return context.tokens.remembered(token_hash(token), now=context.clock())


def token_holder(session: Session, *, token_hash: str) -> tuple[Staff, datetime]:
    """The active member of staff holding the token, and when it expires."""
    rows = session.execute(_STAFF_FOR_TOKEN, {"token_hash": token_hash}).all()
    if not rows:
        raise Unauthorized("The token is not valid. Sign in again.")
    expires_at, staff_id, username, role, active, _ = rows[0]
    if not active:
        raise Unauthorized("The token has expired. Sign in again.")
    staff = Staff(
        id=staff_id,
        username=username,
        role=Role(role),
        office_codes=frozenset(code for *_, code in rows if code is not None),
    )
    return staff, expires_at


def _in_an_office(context: AppContext, address: str) -> bool:
    """Whether the address is one of the offices' own networks (KEZEK_SIGN_IN_OFFICE_NETWORKS)."""
    offices = context.settings.sign_in_office_networks
    if not offices:
        return False
    try:
        where = ip_address(address.split("/")[0])
    except ValueError:
        return False
    return any(where in network for network in networks(offices))
