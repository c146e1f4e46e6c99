"""What a draw publishes, and how anyone checks it.

After a draw Kezek publishes one JSON file: the round, the commitment published before
applications opened, the seed, the places with their reserves, every application (by its
keyed hash, with its ranked choices and categories, never a name or a document number), the
SHA-256 of the applications as published at closing time, and the result. ``verify`` does
again what the draw did from that file alone: the seed against the commitment, the
applications against their hash, the order from the seed, the places from the order. Any
difference is named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kezek.allocation.draw import Applicant, Bucket, Outcome, Supply, Win, allocate
from kezek.allocation.seed import commitment as commitment_of
from kezek.allocation.seed import draw_order, seed_matches

FORMAT = "kezek-draw/1"


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


def to_json(published: Published) -> str:
    outcome = published.outcome
    document = {
        "format": FORMAT,
        "round": published.round,
        "commitment": published.commitment,
        "seed": published.seed.hex(),
        "places": [
            {**_bucket(bucket), "places": each.places, "reserves": [list(r) for r in each.reserves]}
            for bucket, each in sorted(published.supply.items())
        ],
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


def from_json(text: str) -> tuple[Published, str]:
    """The publication, and the applications' hash the file states."""
    try:
        document = json.loads(text)
        if document.get("format") != FORMAT:
            raise NotADraw(f"this is not a Kezek draw file (format is not {FORMAT})")
        supply = {
            _read_bucket(place): Supply(
                int(place["places"]), tuple((str(n), int(c)) for n, c in place["reserves"])
            )
            for place in document["places"]
        }
        applicants = [
            Applicant(
                str(entry["key"]),
                tuple(tuple(_read_bucket(b) for b in choice) for choice in entry["choices"]),
                frozenset(str(c) for c in entry["categories"]),
            )
            for entry in document["applications"]
        ]
        result = document["result"]
        wins = {
            str(key): Win(_read_bucket(win), str(win["category"]), int(win["choice"]))
            for key, win in result["wins"].items()
        }
        outcome = Outcome(
            order=tuple(str(k) for k in result["order"]),
            wins=wins,
            waitlist=tuple(str(k) for k in result["waitlist"]),
        )
        published = Published(
            round=str(document["round"]),
            commitment=str(document["commitment"]),
            seed=bytes.fromhex(document["seed"]),
            supply=supply,
            applicants=applicants,
            outcome=outcome,
        )
        return published, str(document["applications_sha256"])
    except NotADraw:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotADraw(f"the draw file cannot be read: {type(exc).__name__} {exc}") from None


def verify(
    text: str, *, commitment: str | None = None, applications_sha256: str | None = None
) -> list[str]:
    """What does not hold in the publication; none when the draw is confirmed. Pass the
    commitment and the applications' hash as they were published before, to check the
    file against them too."""
    published, stated_hash = from_json(text)
    problems = []
    if not seed_matches(published.seed, published.commitment):
        problems.append("the seed does not match the file's commitment")
    if commitment is not None and not seed_matches(published.seed, commitment):
        problems.append(
            "the seed does not match the commitment published before applications opened"
        )
    actual_hash = applications_hash(published.applicants)
    if actual_hash != stated_hash:
        problems.append("the applications do not match the file's applications_sha256")
    if applications_sha256 is not None and actual_hash != applications_sha256.strip().lower():
        problems.append("the applications do not match the hash published when applications closed")
    again = publish(published.round, published.seed, published.supply, published.applicants)
    if again.outcome.order != published.outcome.order:
        problems.append("the order is not the one the seed gives")
    if dict(again.outcome.wins) != dict(published.outcome.wins):
        wrong = set(again.outcome.wins.items()) ^ set(published.outcome.wins.items())
        keys = sorted({key for key, _ in wrong})
        problems.append(
            f"the places differ from the draw's for {len(keys)} applicants: {', '.join(keys[:5])}"
        )
    if again.outcome.waitlist != published.outcome.waitlist:
        problems.append("the waitlist is not the one the draw gives")
    return problems


def _bucket(bucket: Bucket) -> dict[str, str]:
    return {"office": bucket.office, "service": bucket.service, "day": bucket.day.isoformat()}


def _read_bucket(entry: Mapping[str, Any]) -> Bucket:
    return Bucket(str(entry["office"]), str(entry["service"]), date.fromisoformat(entry["day"]))


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
