"""Random serial dictatorship with reserves (Pathak, Sönmez, Ünver and Yenmez).

Each office, service and day to be given out (a ``Bucket``) has places, of which shares are
reserved, in a set order, for categories of applicants: first those whose legal stay ends
before a date the round sets, then priority groups; the rest is open to all. Applicants are
taken in the draw's random order; each in turn gets their best choice that still has a place
in a category they belong to. A choice is ranked by the applicant; one choice may cover several
days ("any day this week"), taken in the order given.

An applicant takes an open place while there is one, and a reserved place only when the open
ones are gone: the reserves then still serve those who need them later in the order.

Nobody gains by ranking other than their true preferences: when their turn comes, what is
still free does not depend on what they wrote, and they get the best of it by their ranking.
Reserved places nobody eligible wanted stay free after the draw; they go to the waitlist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

OPEN = "open"


@dataclass(frozen=True, order=True)
class Bucket:
    """The places of one service at one office on one day."""

    office: str
    service: str
    day: date


@dataclass(frozen=True)
class Supply:
    """A bucket's places and, in the order they are reserved, its reserves; the rest is open."""

    places: int
    reserves: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        reserved = sum(count for _, count in self.reserves)
        if self.places < 0 or any(count < 0 for _, count in self.reserves):
            raise ValueError("places and reserves cannot be negative")
        if reserved > self.places:
            raise ValueError(f"reserves of {reserved} places exceed the {self.places} places")
        names = [name for name, _ in self.reserves]
        if OPEN in names or len(set(names)) != len(names):
            raise ValueError("each reserve is named once, and none is named 'open'")

    def free(self) -> dict[str, int]:
        open_places = self.places - sum(count for _, count in self.reserves)
        return {OPEN: open_places, **dict(self.reserves)}


@dataclass(frozen=True)
class Applicant:
    key: str  # the keyed hash of the document: the draw knows nobody by name
    choices: tuple[tuple[Bucket, ...], ...]  # best first; each choice's days in order
    categories: frozenset[str] = frozenset()  # the reserves they belong to


@dataclass(frozen=True)
class Win:
    bucket: Bucket
    category: str  # "open", or the reserve the place came from
    choice: int  # which of the applicant's choices (0: the first)


@dataclass(frozen=True)
class Outcome:
    order: tuple[str, ...]  # every applicant's key, in the draw's order
    wins: Mapping[str, Win]
    waitlist: tuple[str, ...]  # those who won nothing, in the draw's order
    left: Mapping[Bucket, Mapping[str, int]] = field(default_factory=dict)  # places not given


def allocate(
    applicants: Iterable[Applicant],
    supply: Mapping[Bucket, Supply],
    order: Sequence[str],
) -> Outcome:
    """Give the places out to the applicants, taken in ``order`` (``seed.draw_order``)."""
    by_key = {applicant.key: applicant for applicant in applicants}
    if set(order) != set(by_key) or len(order) != len(by_key):
        raise ValueError("the order must hold each applicant exactly once")
    free = {bucket: each.free() for bucket, each in supply.items()}
    reserve_order = [name for name, _ in _reserves(supply)]
    wins: dict[str, Win] = {}
    for key in order:
        win = _best_free(by_key[key], free, reserve_order)
        if win is not None:
            free[win.bucket][win.category] -= 1
            wins[key] = win
    waitlist = tuple(key for key in order if key not in wins)
    return Outcome(order=tuple(order), wins=wins, waitlist=waitlist, left=free)


def _reserves(supply: Mapping[Bucket, Supply]) -> list[tuple[str, int]]:
    """Every reserve's name, in the order the buckets give them (the round sets one order),
    the buckets read in their own order, whatever the order they were handed in."""
    seen: dict[str, int] = {}
    for _, each in sorted(supply.items()):
        for name, count in each.reserves:
            seen.setdefault(name, count)
    return list(seen.items())


def _best_free(
    applicant: Applicant, free: Mapping[Bucket, Mapping[str, int]], reserve_order: list[str]
) -> Win | None:
    categories = [OPEN] + [name for name in reserve_order if name in applicant.categories]
    for rank, choice in enumerate(applicant.choices):
        for bucket in choice:
            places = free.get(bucket)
            if places is None:
                continue
            for category in categories:
                if places.get(category, 0) > 0:
                    return Win(bucket=bucket, category=category, choice=rank)
    return None
