"""A round as its public page and the API show it: no name, no document, no phone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kezek.allocation.draw import Bucket, Supply
from kezek.booking.models import Booking, BookingStatus
from kezek.network.models import DrawRound
from kezek.rounds.models import DrawApplication
from kezek.rounds.places import supply_of

Phase = Literal["upcoming", "open", "closed", "drawn"]


@dataclass(frozen=True)
class RoundView:
    code: str
    name: dict[str, str]
    phase: Phase
    offices: list[str]
    services: list[str]
    first_day: date
    last_day: date
    opens_at: datetime
    closes_at: datetime
    draws_at: datetime
    urgent_before: date | None
    urgent_share: int
    groups: list[str]
    groups_share: int
    confirm_hours: int
    commitment: str
    seed_held_outside: bool
    seed: str | None  # only once drawn
    places_sha256: str | None
    applications_sha256: str | None
    supply: dict[Bucket, Supply]
    applications: int | None  # shown once applications close: a count that moved would say
    # whether a document applied before
    standings: dict[str, int] = field(default_factory=dict)
    won: dict[str, int] = field(default_factory=dict)  # places won in the draw, by category
    # After the round's last day: of the applicants whose legal stay ended before the
    # round's date, the share who held a place from it before their stay ended.
    urgent_served: float | None = None

    @property
    def places(self) -> int:
        return sum(each.places for each in self.supply.values())


def phase_of(row: DrawRound, now: datetime) -> Phase:
    if row.drawn_at is not None:
        return "drawn"
    if now < row.opens_at:
        return "upcoming"
    return "open" if now < row.closes_at else "closed"


def round_view(session: Session, row: DrawRound, now: datetime) -> RoundView:
    counts = Counter(
        dict(
            session.execute(
                select(DrawApplication.standing, func.count())
                .where(DrawApplication.round_id == row.id)
                .group_by(DrawApplication.standing)
            ).all()
        )
    )
    won = dict(
        session.execute(
            select(DrawApplication.category, func.count())
            .where(DrawApplication.round_id == row.id, DrawApplication.category.is_not(None))
            .group_by(DrawApplication.category)
        ).all()
    )
    today = now.date()
    return RoundView(
        code=row.code,
        name=dict(row.name),
        phase=phase_of(row, now),
        offices=list(row.offices),
        services=list(row.services),
        first_day=row.first_day,
        last_day=row.last_day,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        draws_at=row.draws_at,
        urgent_before=row.urgent_before,
        urgent_share=row.urgent_share,
        groups=list(row.groups),
        groups_share=row.groups_share,
        confirm_hours=row.confirm_hours,
        commitment=row.commitment,
        seed_held_outside=row.seed_held_outside,
        seed=row.seed if row.drawn_at is not None else None,
        places_sha256=row.places_sha256,
        applications_sha256=row.applications_sha256,
        supply=supply_of(row),
        applications=counts.total() if now >= row.closes_at or row.drawn_at else None,
        standings={str(k): v for k, v in counts.items()},
        won={str(k): v for k, v in won.items()},
        urgent_served=urgent_served(session, row)
        if today > row.last_day and row.drawn_at
        else None,
    )


def urgent_served(session: Session, row: DrawRound) -> float | None:
    """Of the urgent applicants, the share whose place from this round came before their
    legal stay ended (and was not cancelled)."""
    if row.urgent_before is None:
        return None
    urgent = session.execute(
        select(DrawApplication.legal_stay_until, Booking.starts_at, Booking.status)
        .outerjoin(Booking, Booking.id == DrawApplication.booking_id)
        .where(
            DrawApplication.round_id == row.id,
            DrawApplication.legal_stay_until < row.urgent_before,
        )
    ).all()
    if not urgent:
        return None
    served = sum(
        1
        for stay_until, starts_at, status in urgent
        if starts_at is not None
        and status != BookingStatus.cancelled
        and starts_at.date() <= stay_until
    )
    return served / len(urgent)


@dataclass(frozen=True)
class ApplicationView:
    round: str
    standing: str
    position: int | None  # in the draw's order
    waitlist_number: int | None  # how many wait before, plus one
    category: str | None
    reference: str | None  # of the booking offered
    confirm_by: datetime | None
    entry_key: str  # to find oneself in the published file
    choices: list[dict[str, Any]]
    legal_stay_until: date
    group: str | None


def application_view(session: Session, row: DrawRound, found: DrawApplication) -> ApplicationView:
    ahead = None
    if found.standing == "waiting" and found.position is not None:
        ahead = session.scalar(
            select(func.count())
            .select_from(DrawApplication)
            .where(
                DrawApplication.round_id == row.id,
                DrawApplication.standing == "waiting",
                DrawApplication.position < found.position,
            )
        )
    reference = None
    if found.booking_id is not None:
        booking = session.get(Booking, found.booking_id)
        reference = booking.reference if booking else None
    return ApplicationView(
        round=row.code,
        standing=found.standing,
        position=found.position,
        waitlist_number=(ahead or 0) + 1 if ahead is not None else None,
        category=found.category,
        reference=reference,
        confirm_by=found.confirm_by,
        entry_key=found.entry_key,
        choices=list(found.choices),
        legal_stay_until=found.legal_stay_until,
        group=found.group,
    )
