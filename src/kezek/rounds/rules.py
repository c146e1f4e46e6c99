"""What a round allows when, and the refusals the API reports for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kezek.errors import Conflict, NotFound
from kezek.network.models import DrawRound

MAX_CHOICES = 3


class RoundClosed(Conflict):
    code = "round_not_open"
    title = "This round is not taking applications"


class AlreadyDrawn(Conflict):
    code = "round_already_drawn"
    title = "This round's draw has run"


class TooEarly(Conflict):
    code = "round_draw_too_early"
    title = "This round's draw cannot run yet"


def round_by_code(
    session: Session, code: str, *, lock: bool = False, share: bool = False, active: bool = True
) -> DrawRound:
    """The active round; with ``lock`` held for a change of the round itself (the draw,
    sealing the applications), with ``share`` for an application, which must not be
    written while the applications are sealed. Locked, it is read afresh.

    On PostgreSQL both also take the round's advisory lock, shared by applications and
    exclusive for sealing: thousands of applications at once share it in memory, where a
    shared row lock would rewrite the round's row for each of them. (SQLite runs one
    writer at a time anyway.)"""
    query = select(DrawRound).where(DrawRound.code == code)
    if active:
        query = query.where(DrawRound.active)
    if lock or share:
        found = session.scalar(query)
        if found is not None and session.get_bind().dialect.name == "postgresql":
            taking = "pg_advisory_xact_lock" if lock else "pg_advisory_xact_lock_shared"
            statement = text(f"SELECT {taking}(CAST(:space AS integer), CAST(:round AS integer))")
            session.execute(statement, _key(found.id))
        query = query.execution_options(populate_existing=True)
        if lock:
            query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"There is no round '{code}'. GET /api/v1/rounds lists them.", field="round")
    return row


ADVISORY_SPACE = 0x4B5A  # "KZ": this project's advisory locks, keyed by round id


def _key(round_id: int) -> dict[str, int]:
    return {"space": ADVISORY_SPACE, "round": round_id}


def check_open(row: DrawRound, now: datetime) -> None:
    if now < row.opens_at:
        raise RoundClosed(
            f"Applications to round '{row.code}' open at {row.opens_at.isoformat()} (UTC). "
            "Come back then: the time of applying makes no difference to the draw.",
        )
    # Sealed: a process whose clock ran behind still takes nothing after the hash is taken.
    if now >= row.closes_at or row.drawn_at is not None or row.applications_sha256:
        raise RoundClosed(
            f"Applications to round '{row.code}' closed at {row.closes_at.isoformat()} (UTC).",
        )


def check_drawable(row: DrawRound, now: datetime) -> None:
    if row.drawn_at is not None:
        raise AlreadyDrawn(
            f"Round '{row.code}' was drawn at {row.drawn_at.isoformat()} (UTC); its result "
            f"is published at /rounds/{row.code}/draw.json.",
        )
    if now < row.draws_at:
        raise TooEarly(
            f"Round '{row.code}' draws at {row.draws_at.isoformat()} (UTC), as published; "
            "it cannot run before.",
        )
