"""Nobody gains by ranking other than their true preferences: on every small case, checked
exhaustively, and on larger random ones, no report gets an applicant a place they prefer to
what ranking truthfully gets them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.allocation.draw import Applicant, Bucket, Supply, allocate
from tests.unit.allocation.strategies import BUCKETS, applicants, supplies

X = Bucket("msk", "passport", date(2025, 4, 1))
Y = Bucket("msk", "passport", date(2025, 4, 2))
# Every ranking of every subset of the buckets, one day per choice: what one may report.
REPORTS = [
    tuple((bucket,) for bucket in ranking)
    for size in range(3)
    for ranking in itertools.permutations((X, Y), size)
]
SUPPLIES = [
    {X: Supply(1, x_reserve), Y: Supply(1, y_reserve)}
    for x_reserve in ((), (("urgent", 1),))
    for y_reserve in ((), (("urgent", 1),))
]


def _value(truth: Sequence[tuple[Bucket, ...]], bucket: Bucket | None) -> int:
    """How good a place is to whoever truly ranks ``truth``: lower is better; nothing (or a
    place they never wanted) is worst."""
    for rank, choice in enumerate(truth):
        if bucket in choice:
            return rank
    return len(truth)


def _won(
    people: list[Applicant], supply: dict[Bucket, Supply], order: Sequence[str], key: str
) -> Bucket | None:
    win = allocate(people, supply, order).wins.get(key)
    return None if win is None else win.bucket


def test_no_report_beats_the_truth_on_every_small_case() -> None:
    cases = 0
    for supply in SUPPLIES:
        for truths in itertools.product(REPORTS, repeat=3):
            for urgent in itertools.product((False, True), repeat=3):
                people = [
                    Applicant(f"p{n}", truths[n], frozenset({"urgent"} if urgent[n] else ()))
                    for n in range(3)
                ]
                for order in itertools.permutations([p.key for p in people]):
                    for n, person in enumerate(people):
                        truthful = _value(person.choices, _won(people, supply, order, person.key))
                        for report in REPORTS:
                            lying = [*people]
                            lying[n] = Applicant(person.key, report, person.categories)
                            got = _won(lying, supply, order, person.key)
                            assert truthful <= _value(person.choices, got)
                            cases += 1
    assert cases == 4 * 5**3 * 2**3 * 6 * 3 * 5


@settings(max_examples=60)
@given(applicants(), supplies(), st.data())
def test_no_report_beats_the_truth_on_larger_cases(
    people: list[Applicant], supply: dict[Bucket, Supply], data: st.DataObject
) -> None:
    if not people:
        return
    order = data.draw(st.permutations([p.key for p in people]))
    person = data.draw(st.sampled_from(people))
    report = data.draw(st.lists(st.sampled_from(BUCKETS), max_size=4, unique=True))
    lying = [
        Applicant(p.key, tuple((b,) for b in report), p.categories) if p is person else p
        for p in people
    ]

    truthful = _value(person.choices, _won(people, supply, order, person.key))

    assert truthful <= _value(person.choices, _won(lying, supply, order, person.key))
