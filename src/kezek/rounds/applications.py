"""Applying to a round: one application per document, editable until the round closes.

An application names up to three choices, best first; a choice is an office and service
and either a day or "any day of this week". A second application with the same document
and the same (proven) phone replaces the first. One with another phone changes nothing and
is answered exactly alike: whoever knows someone's document number learns nothing and
cannot take their application over.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from kezek.allocation.draw import Bucket
from kezek.booking.contacts import office_phone
from kezek.booking.identity import document_hash, document_tail
from kezek.errors import Invalid, NotFound
from kezek.network.directory import Directory
from kezek.network.models import DrawRound
from kezek.rounds.models import DrawApplication
from kezek.rounds.places import supply_of
from kezek.rounds.rules import MAX_CHOICES, check_open

APPLICATIONS: Table = DrawApplication.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ChoiceRequest:
    office: str
    service: str
    day: date | None = None  # one day; or
    week: date | None = None  # any day of the week holding this date


@dataclass(frozen=True)
class ApplicationRequest:
    full_name: str  # already normalised
    document_number: str  # already normalised
    phone: str  # as typed; read in the first choice's office's country
    language: str
    legal_stay_until: date
    group: str | None
    choices: tuple[ChoiceRequest, ...]


@dataclass(frozen=True)
class Receipt:
    """What an application is answered with, the same whether it was new, replaced an
    earlier one, or changed nothing: it repeats what was sent, never what is stored."""

    round: str
    choices: tuple[tuple[Bucket, ...], ...]
    closes_at: datetime
    draws_at: datetime


def entry_key(code: str, proof: str, *, secret: bytes) -> str:
    """What the published files call an application: keyed per round and document."""
    key = hmac.new(secret, b"kezek/draw-entry/v1", hashlib.sha256).digest()
    return hmac.new(key, f"{code}/{proof}".encode(), hashlib.sha256).hexdigest()


def apply(
    session: Session,
    *,
    directory: Directory,
    row: DrawRound,
    request: ApplicationRequest,
    secret: bytes,
    now: datetime,
) -> Receipt:
    choices = validated(row, request, now)
    office = directory.office(session, choices[0][0].office)
    phone = office_phone(request.phone, office)
    proof = document_hash(request.document_number, secret=secret)
    values: dict[str, Any] = {
        "full_name": request.full_name,
        "phone": phone,
        "language": request.language,
        "legal_stay_until": request.legal_stay_until,
        "group": request.group,
        "choices": [
            {
                "office": choice[0].office,
                "service": choice[0].service,
                "days": [b.day.isoformat() for b in choice],
            }
            for choice in choices
        ],
        "updated_at": now,
    }
    earlier = session.scalar(
        select(DrawApplication)
        .where(DrawApplication.round_id == row.id, DrawApplication.document_hash == proof)
        .with_for_update()
    )
    if earlier is None:
        session.add(
            DrawApplication(
                round_id=row.id,
                document_hash=proof,
                document_tail=document_tail(request.document_number),
                entry_key=entry_key(row.code, proof, secret=secret),
                created_at=now,
                **values,
            )
        )
        session.flush()  # a concurrent twin fails here, on the unique document, and retries
    elif hmac.compare_digest(earlier.phone, phone):
        for name, value in values.items():
            setattr(earlier, name, value)
    return Receipt(row.code, tuple(choices), row.closes_at, row.draws_at)


def validated(
    row: DrawRound, request: ApplicationRequest, now: datetime
) -> list[tuple[Bucket, ...]]:
    """The application's choices as days, once the round is open and all is right."""
    check_open(row, now)
    choices = expand_choices(row, request.choices)
    if request.group is not None and request.group not in row.groups:
        allowed = ", ".join(row.groups) or "none"
        raise Invalid(
            f"Group '{request.group}' has no priority in this round; choose one of {allowed}, "
            "or none.",
            field="group",
        )
    return choices


def expand_choices(
    row: DrawRound, requested: tuple[ChoiceRequest, ...]
) -> list[tuple[Bucket, ...]]:
    """Each choice as the days it covers that have places, in order; refused by field."""
    if not requested:
        raise Invalid("Give at least one choice: an office, a service and a day.", field="choices")
    if len(requested) > MAX_CHOICES:
        raise Invalid(f"Give at most {MAX_CHOICES} choices.", field="choices")
    supply = supply_of(row)
    found: list[tuple[Bucket, ...]] = []
    seen: set[Bucket] = set()
    for number, choice in enumerate(requested, start=1):
        field = f"choices.{number - 1}"
        buckets = _days_of(row, choice, field)
        offered = tuple(b for b in buckets if b in supply and supply[b].places > 0)
        if not offered:
            raise Invalid(
                f"Choice {number} has no places in this round: choose another day, week, "
                "office or service from the round's page.",
                field=field,
            )
        # A week after one of its days: the day is already ranked higher, so it is left out.
        offered = tuple(b for b in offered if b not in seen)
        if not offered:
            raise Invalid(
                f"Choice {number} repeats the days of earlier choices; give other days.",
                field=field,
            )
        seen |= set(offered)
        found.append(offered)
    return found


def _days_of(row: DrawRound, choice: ChoiceRequest, field: str) -> list[Bucket]:
    if choice.office not in row.offices:
        raise Invalid(
            f"Office '{choice.office}' is not in this round; choose one of "
            f"{', '.join(row.offices)}.",
            field=f"{field}.office",
        )
    if choice.service not in row.services:
        raise Invalid(
            f"Service '{choice.service}' is not in this round; choose one of "
            f"{', '.join(row.services)}.",
            field=f"{field}.service",
        )
    if (choice.day is None) == (choice.week is None):
        raise Invalid("Give either a day or a week, not both.", field=f"{field}.day")
    given = choice.day or choice.week
    assert given is not None
    if not row.first_day - timedelta(days=6) <= given <= row.last_day:
        raise Invalid(
            f"The round gives places from {row.first_day.isoformat()} to "
            f"{row.last_day.isoformat()}; choose a day between.",
            field=f"{field}.{'day' if choice.day else 'week'}",
        )
    if choice.day is not None:
        first = last = choice.day
    else:
        assert choice.week is not None
        first = choice.week - timedelta(days=choice.week.weekday())
        last = first + timedelta(days=6)
    if last < row.first_day or first > row.last_day:
        raise Invalid(
            f"The round gives places from {row.first_day.isoformat()} to "
            f"{row.last_day.isoformat()}; choose a day between.",
            field=f"{field}.{'day' if choice.day else 'week'}",
        )
    first, last = max(first, row.first_day), min(last, row.last_day)
    return [
        Bucket(choice.office, choice.service, first + timedelta(days=n))
        for n in range((last - first).days + 1)
    ]


def application_of(
    session: Session, *, row: DrawRound, proof: str, phones: set[str]
) -> DrawApplication:
    """A holder's application, if the phone is theirs too; otherwise not found, exactly as
    for a document that never applied."""
    found = session.scalar(
        select(DrawApplication).where(
            DrawApplication.round_id == row.id, DrawApplication.document_hash == proof
        )
    )
    if found is None or not any(hmac.compare_digest(found.phone, phone) for phone in phones):
        raise NotFound(
            "No application to this round has this document number and phone. Check both.",
            field="document_number",
        )
    return found
