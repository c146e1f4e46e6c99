"""What a draw publishes, and how anyone checks it.

Before applications open a round publishes the seed's commitment and the SHA-256 of its
places; when they close, the SHA-256 of the applications. After the draw Kezek publishes one
JSON file: the round, the commitment, the seed, the places with their reserves, every
application (by its keyed hash, with its ranked choices and categories, never a name or a
document number), both hashes, and the result. ``verify`` does again what the draw did from
that file alone: the seed against the commitment, the places and the applications against
their hashes, the order from the seed, the places from the order. Any difference is named.
The file is read strictly (``"2"`` is not 2), so that what is checked is what it says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kezek.allocation.draw import Applicant, Bucket, Outcome, Supply, Win, allocate
from kezek.allocation.seed import commitment as commitment_of
from kezek.allocation.seed import draw_order, seed_matches

FORMAT = "kezek-draw/1"
SHA256 = r"^[0-9a-f]{64}$"


@dataclass(frozen=True)
class Published:
    round: str
    commitment: str
    seed: bytes
    supply: Mapping[Bucket, Supply]
    applicants: Sequence[Applicant]
    outcome: Outcome


def applications_hash(applicants: Sequence[Applicant]) -> str:
    """The SHA-256 of the applications, in canonical JSON, sorted by key: published when
    applications close, before the seed is."""
    return hashlib.sha256(_canonical(_applications(applicants)).encode()).hexdigest()


def publish(
    round_code: str, seed: bytes, supply: Mapping[Bucket, Supply], applicants: Sequence[Applicant]
) -> Published:
    """Run the draw and hold what it publishes."""
    outcome = allocate(applicants, supply, draw_order(seed, [a.key for a in applicants]))
    return Published(round_code, commitment_of(seed), seed, supply, applicants, outcome)


def places_hash(supply: Mapping[Bucket, Supply]) -> str:
    """The SHA-256 of the places and their reserves, in canonical JSON: published with the
    commitment, before applications open, so that no place is added or taken away after."""
    return hashlib.sha256(_canonical(places_entries(supply)).encode()).hexdigest()


def to_json(published: Published) -> str:
    outcome = published.outcome
    document = {
        "format": FORMAT,
        "round": published.round,
        "commitment": published.commitment,
        "seed": published.seed.hex(),
        "places": places_entries(published.supply),
        "places_sha256": places_hash(published.supply),
        "applications": _applications(published.applicants),
        "applications_sha256": applications_hash(published.applicants),
        "result": {
            "order": list(outcome.order),
            "wins": {
                key: {**_bucket(win.bucket), "category": win.category, "choice": win.choice}
                for key, win in sorted(outcome.wins.items())
            },
            "waitlist": list(outcome.waitlist),
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


class NotADraw(ValueError):
    """The file is not a draw's publication, or a part of it cannot be read."""


class _Strict(BaseModel):
    # Strict: "2" is not 2 and "stay" is not a list, so that what is checked is what the
    # file says, and two files that read alike hash alike.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _BucketEntry(_Strict):
    office: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=64)
    day: date

    def bucket(self) -> Bucket:
        return Bucket(self.office, self.service, self.day)


class _PlaceEntry(_BucketEntry):
    places: int = Field(ge=0, le=1_000_000)
    reserves: list[
        tuple[Annotated[str, Field(min_length=1, max_length=64)], Annotated[int, Field(ge=0)]]
    ]


class _ApplicationEntry(_Strict):
    key: str = Field(min_length=1, max_length=200)
    choices: list[list[_BucketEntry]]
    categories: list[Annotated[str, Field(min_length=1, max_length=64)]]


class _WinEntry(_BucketEntry):
    category: str = Field(min_length=1, max_length=64)
    choice: int = Field(ge=0)


class _ResultEntry(_Strict):
    order: list[str]
    wins: dict[str, _WinEntry]
    waitlist: list[str]


class _DrawFile(_Strict):
    format: Literal["kezek-draw/1"]
    round: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    commitment: str = Field(pattern=SHA256)
    seed: str = Field(pattern=r"^[0-9a-f]{64}$")  # 32 bytes, as the draw draws them
    places: list[_PlaceEntry]
    places_sha256: str = Field(pattern=SHA256)
    applications: list[_ApplicationEntry]
    applications_sha256: str = Field(pattern=SHA256)
    result: _ResultEntry


@dataclass(frozen=True)
class Stated:
    """The hashes the file states of its own places and applications."""

    places_sha256: str
    applications_sha256: str


def from_json(text: str | bytes) -> tuple[Published, Stated]:
    """The publication, and the hashes it states; raises ``NotADraw`` naming what is wrong."""
    try:
        document = _DrawFile.model_validate_json(text)
    except ValidationError as exc:
        raise NotADraw(_first_problem(exc)) from None
    seen: set[str] = set()
    for entry in document.applications:
        if entry.key in seen:
            raise NotADraw(f"applicant {entry.key} appears more than once in applications")
        seen.add(entry.key)
    buckets = [place.bucket() for place in document.places]
    if len(set(buckets)) != len(buckets):
        raise NotADraw("a place (office, service, day) is listed more than once in places")
    try:
        supply = {
            place.bucket(): Supply(place.places, tuple(place.reserves))
            for place in sorted(document.places, key=lambda place: place.bucket())
        }
    except ValueError as exc:
        raise NotADraw(f"places: {exc}") from None
    result = document.result
    published = Published(
        round=document.round,
        commitment=document.commitment,
        seed=bytes.fromhex(document.seed),
        supply=supply,
        applicants=[
            Applicant(
                entry.key,
                tuple(tuple(b.bucket() for b in choice) for choice in entry.choices),
                frozenset(entry.categories),
            )
            for entry in document.applications
        ],
        outcome=Outcome(
            order=tuple(result.order),
            wins={
                key: Win(win.bucket(), win.category, win.choice) for key, win in result.wins.items()
            },
            waitlist=tuple(result.waitlist),
        ),
    )
    return published, Stated(document.places_sha256, document.applications_sha256)


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        return (
            "the file is not JSON that can be read ("
            + first["msg"].removeprefix("Invalid JSON: ")
            + ")"
        )
    if first["type"] == "model_type" and not where:
        return "the file is not a JSON object"
    if where == "format":
        return f"this is not a Kezek draw file (format is not {FORMAT})"
    if first["type"] == "missing":
        return f"the field {where} is missing"
    more = error.error_count() - 1
    also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {first['msg']}{also}"


def verify(
    text: str | bytes,
    *,
    commitment: str | None = None,
    places_sha256: str | None = None,
    applications_sha256: str | None = None,
) -> list[str]:
    """What does not hold in the publication; none when the draw is confirmed. Pass the
    commitment, the places' hash and the applications' hash as they were published
    before, to check the file against them too."""
    published, stated = from_json(text)
    return check(
        published,
        stated,
        commitment=commitment,
        places_sha256=places_sha256,
        applications_sha256=applications_sha256,
    )


def check(
    published: Published,
    stated: Stated,
    *,
    commitment: str | None = None,
    places_sha256: str | None = None,
    applications_sha256: str | None = None,
) -> list[str]:
    """``verify`` on a publication already read (``from_json``)."""
    problems = []
    if not seed_matches(published.seed, published.commitment):
        problems.append("the seed does not match the file's commitment")
    if commitment is not None and not seed_matches(published.seed, commitment):
        problems.append(
            "the seed does not match the commitment published before applications opened"
        )
    places = places_hash(published.supply)
    if places != stated.places_sha256:
        problems.append("the places do not match the file's places_sha256")
    if places_sha256 is not None and places != places_sha256.strip().lower():
        problems.append("the places do not match the hash published before applications opened")
    actual_hash = applications_hash(published.applicants)
    if actual_hash != stated.applications_sha256:
        problems.append("the applications do not match the file's applications_sha256")
    if applications_sha256 is not None and actual_hash != applications_sha256.strip().lower():
        problems.append("the applications do not match the hash published when applications closed")
    problems += _result_problems(published)
    return problems


def _result_problems(published: Published) -> list[str]:
    again = publish(published.round, published.seed, published.supply, published.applicants)
    problems = []
    if again.outcome.order != published.outcome.order:
        problems.append("the order is not the one the seed gives")
    if dict(again.outcome.wins) != dict(published.outcome.wins):
        wrong = set(again.outcome.wins.items()) ^ set(published.outcome.wins.items())
        keys = sorted({key for key, _ in wrong})
        who = "applicant" if len(keys) == 1 else "applicants"
        problems.append(
            f"the places differ from the draw's for {len(keys)} {who}: {', '.join(keys[:5])}"
        )
    if again.outcome.waitlist != published.outcome.waitlist:
        problems.append("the waitlist is not the one the draw gives")
    return problems


def _bucket(bucket: Bucket) -> dict[str, str]:
    return {"office": bucket.office, "service": bucket.service, "day": bucket.day.isoformat()}


def places_entries(supply: Mapping[Bucket, Supply]) -> list[dict[str, Any]]:
    return [
        {**_bucket(bucket), "places": each.places, "reserves": [list(r) for r in each.reserves]}
        for bucket, each in sorted(supply.items())
    ]


def _applications(applicants: Sequence[Applicant]) -> list[dict[str, Any]]:
    return [
        {
            "key": applicant.key,
            "choices": [[_bucket(b) for b in choice] for choice in applicant.choices],
            "categories": sorted(applicant.categories),
        }
        for applicant in sorted(applicants, key=lambda a: a.key)
    ]


def _canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
