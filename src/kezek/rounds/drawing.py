"""Running a round's draw: the applications as the draw reads them, the result stored and
published, winners offered their bookings and the others told their waitlist number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.allocation.draw import Applicant, Bucket
from kezek.allocation.publication import applications_hash, publish, to_json
from kezek.allocation.seed import SEED_BYTES, seed_matches
from kezek.errors import Invalid
from kezek.network.models import DrawRound
from kezek.notify.outbox import enqueue
from kezek.rounds import messages
from kezek.rounds.models import DrawApplication, Standing
from kezek.rounds.offers import Offering, offer
from kezek.rounds.places import GROUPS, URGENT, supply_of
from kezek.rounds.rules import check_drawable


@dataclass(frozen=True)
class Drawn:
    applications: int
    places: int
    won: int  # places won in the draw
    booked: int  # of them, booked (the others hold a booking of the service already)
    waitlist: int


def applicants_of(row: DrawRound, applications: list[DrawApplication]) -> list[Applicant]:
    return [
        Applicant(
            key=application.entry_key,
            choices=tuple(
                tuple(
                    Bucket(choice["office"], choice["service"], date.fromisoformat(day))
                    for day in choice["days"]
                )
                for choice in application.choices
            ),
            categories=categories_of(row, application),
        )
        for application in applications
    ]


def categories_of(row: DrawRound, application: DrawApplication) -> frozenset[str]:
    """The reserves the applicant may take: what the round reserves and they meet."""
    found = set()
    if row.urgent_share and row.urgent_before and application.legal_stay_until < row.urgent_before:
        found.add(URGENT)
    if row.groups_share and application.group in row.groups:
        found.add(GROUPS)
    return frozenset(found)


def seal_applications(session: Session, row: DrawRound, now: datetime) -> str | None:
    """Once applications close, their SHA-256, stored to be published before the seed."""
    if row.applications_sha256 is None and now >= row.closes_at:
        row.applications_sha256 = applications_hash(applicants_of(row, _applications(session, row)))
    return row.applications_sha256


def run_draw(session: Session, at: Offering, *, seed_hex: str | None) -> Drawn:
    """The round's row is locked by the caller, so that the draw runs once."""
    row, now = at.row, at.now
    check_drawable(row, now)
    seed = _seed(row, seed_hex)
    applications = _applications(session, row)
    applicants = applicants_of(row, applications)
    sealed = seal_applications(session, row, now)
    if sealed != applications_hash(applicants):
        raise RuntimeError(f"round {row.code}: applications changed after they were sealed")
    supply = supply_of(row)
    published = publish(row.code, seed, supply, applicants)
    row.seed = seed.hex()
    row.published = to_json(published)
    row.drawn_at = now
    outcome = published.outcome
    by_key = {application.entry_key: application for application in applications}
    for position, key in enumerate(outcome.order, start=1):
        by_key[key].position = position
        by_key[key].standing = Standing.waiting
        by_key[key].updated_at = now
    session.flush()
    booked = 0
    for key in outcome.order:
        win = outcome.wins.get(key)
        if win is None:
            continue
        by_key[key].category = win.category
        # Not booked only when the day filled after all, or they hold a booking of the
        # service: they stay first in line for the waitlist.
        if offer(session, at, by_key[key], [win.bucket]) is not None:
            booked += 1
    # Those left waiting, in the draw's order: those who won nothing, and any winner whose
    # day filled after all (they come first).
    waiting = [key for key in outcome.order if by_key[key].standing == Standing.waiting]
    for number, key in enumerate(waiting, start=1):
        said = messages.waiting(
            by_key[key], code=row.code, number=number, rules=at.rules.notify, now=now
        )
        enqueue(session.connection(), said, now=now)
    return Drawn(
        applications=len(applications),
        places=sum(each.places for each in supply.values()),
        won=len(outcome.wins),
        booked=booked,
        waitlist=len(waiting),
    )


def _seed(row: DrawRound, seed_hex: str | None) -> bytes:
    if row.seed is not None:
        if seed_hex is not None and seed_hex.strip().lower() != row.seed:
            raise Invalid(
                "This round's seed was drawn by Kezek; run the draw without --seed.",
                field="seed",
            )
        return bytes.fromhex(row.seed)
    text = (seed_hex or "").strip().lower()
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        seed = b""
    if len(seed) != SEED_BYTES or not seed_matches(seed, row.commitment):
        raise Invalid(
            "This round's seed is held outside: give the seed whose SHA-256 is the published "
            f"commitment {row.commitment}: {SEED_BYTES} bytes, in hexadecimal.",
            field="seed",
        )
    return seed


def _applications(session: Session, row: DrawRound) -> list[DrawApplication]:
    return list(
        session.scalars(
            select(DrawApplication)
            .where(DrawApplication.round_id == row.id)
            .order_by(DrawApplication.id)
        )
    )
